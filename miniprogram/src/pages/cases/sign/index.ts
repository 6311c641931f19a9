// Signing the agreement on the phone: its terms, then a signature drawn with a finger on a canvas, sent as a PNG
// with the draft's version (a draft revised meanwhile is a 409 and the page shows the new terms).
import { ApiError } from '../../../lib/api/client'
import { api, type Role } from '../../../lib/api/endpoints'
import type { CasePage } from '../../../lib/api/types'
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
        this.setData({ version: agreement.version || 0, terms: agreement.terms || [], canSign: page.can_sign, signedAt: mine ? when(mine.at) : '' })
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
        await api.sign(this.data.role, this.data.serial, { version: this.data.version, image })
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
