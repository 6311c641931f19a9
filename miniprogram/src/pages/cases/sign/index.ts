// Signing the agreement on the phone: its terms, then a signature drawn with a finger on a canvas, sent as a PNG
// with the draft's version (a draft revised meanwhile is a 409 and the page shows the new terms). An organisation
// party signs through a named person (the page's `signing_for`): its legal representative, or an agent once the
// mediator recorded the agent's written authorisation, which the party uploads here (as its evidence, noted as
// the authorisation) for the mediator to check.
import { ApiError, upload } from '../../../lib/api/client'
import { api, type Role } from '../../../lib/api/endpoints'
import type { Capacity, CasePage, SigningFor } from '../../../lib/api/types'
import { when } from '../../../lib/format'
import { definePage, messageOf } from '../../../lib/page'
import { findPad, toDataUrl, type Pad } from '../../../lib/signature'
import { ask } from '../../../lib/subscribe'

type Agreement = NonNullable<CasePage['case']['agreement']>
type Term = NonNullable<Agreement['terms']>[number]

let pad: Pad = { canvas: null, context: null, strokes: 0 }

definePage({
  data: {
    serial: '',
    role: 'applicant' as Role,
    version: 0,
    terms: [] as Term[],
    canSign: false,
    signedAt: '',
    signingFor: null as SigningFor | null,
    capacities: [] as { code: Capacity; label: string }[],
    capacity: '' as Capacity | '',
    authority: '',
    uploading: false,
    errors: {} as Record<string, string>,
    problem: '',
    sending: false,
  },
  methods: {
    async onLoad(query: Record<string, string>) {
      this.setData({ serial: query.serial || '', role: query.role === 'respondent' ? 'respondent' : 'applicant' })
      await this.load()
    },
    async load() {
      try {
        const page = await api.casePage(this.data.role, this.data.serial)
        const agreement = (page.case.agreement || {}) as Agreement
        const mine = agreement.signatures && agreement.signatures[this.data.role]
        const t = this.data.t
        const signingFor = page.signing_for || null
        const capacities: { code: Capacity; label: string }[] = []
        if (signingFor) {
          capacities.push({ code: 'legal_representative', label: `${t.sign_as_representative}：${signingFor.legal_representative}` })
          if (signingFor.agent) capacities.push({ code: 'agent', label: `${t.sign_as_agent}：${signingFor.agent}` })
        }
        const capacity = capacities.some((c) => c.code === this.data.capacity) ? this.data.capacity : capacities.length === 1 ? capacities[0].code : ''
        this.setData({ version: agreement.version || 0, terms: agreement.terms || [], canSign: page.can_sign, signedAt: mine ? when(mine.at) : '', signingFor, capacities, capacity })
        if (page.can_sign) pad = await findPad(this, '#pad')
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.network_error) })
      }
    },
    onStart(event: WechatMiniprogram.TouchCanvas) {
      const touch = event.touches[0]
      pad.strokes += 1
      if (pad.context && touch) {
        pad.context.beginPath()
        pad.context.moveTo(touch.x, touch.y)
      }
    },
    onMove(event: WechatMiniprogram.TouchCanvas) {
      const touch = event.touches[0]
      if (pad.context && touch) {
        pad.context.lineTo(touch.x, touch.y)
        pad.context.stroke()
      }
    },
    onEnd() {
      if (this.data.errors.image) this.setData({ errors: {} })
    },
    chooseCapacity(event: WechatMiniprogram.TouchEvent) {
      this.setData({ capacity: event.currentTarget.dataset.code as Capacity, errors: {} })
    },
    /** The agent's 授权委托书 (民法典 art. 165): chosen, uploaded, added to this party's evidence and noted as the
     * authorisation; the mediator checks and records it before the agent may sign. */
    uploadAuthority() {
      wx.chooseMessageFile({
        count: 1,
        type: 'file',
        extension: ['pdf', 'jpg', 'jpeg', 'png'],
        success: async (result) => {
          const file = result.tempFiles[0]
          if (!file) return
          this.setData({ uploading: true, problem: '', authority: '' })
          try {
            const stored = await upload(file.path, file.name, () => undefined).done
            const { role, serial } = this.data
            if (role === 'applicant') await api.addEvidence(serial, [stored.id])
            else await api.respondentEvidence(serial, [stored.id])
            await api.noteFile(stored.id, { source: '', proves: this.data.t.authority_proves })
            this.setData({ authority: this.data.t.authority_uploaded })
          } catch (error) {
            this.setData({ problem: messageOf(error, this.data.t.error) })
          } finally {
            this.setData({ uploading: false })
          }
        },
      })
    },
    clear() {
      if (pad.context && pad.canvas) pad.context.clearRect(0, 0, pad.canvas.width, pad.canvas.height)
      pad.strokes = 0
    },
    async submit() {
      if (!pad.strokes) return this.setData({ errors: { image: this.data.t.sign_empty } })
      this.setData({ sending: true, problem: '', errors: {} })
      await ask('signing')
      try {
        const image = await toDataUrl(pad)
        const capacity = this.data.signingFor && this.data.capacity ? { capacity: this.data.capacity } : {}
        await api.sign(this.data.role, this.data.serial, { version: this.data.version, image, ...capacity })
        this.clear()
        await this.load()
      } catch (error) {
        if (error instanceof ApiError && error.status === 409) await this.load()
        if (error instanceof ApiError && error.field) this.setData({ errors: error.byField() })
        else this.setData({ problem: messageOf(error, this.data.t.error) })
      } finally {
        this.setData({ sending: false })
      }
      return undefined
    },
  },
})
