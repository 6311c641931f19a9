// 我的数据 (GET /api/mp/me; 个人信息保护法 arts. 44-47): what is held about the person (numbers masked), who looked
// at it, what they consented to with versions (an optional consent given or withdrawn at once, PUT
// /api/mp/consents/{purpose}; a notice to confirm again), a copy as a PDF (its fresh sign-in done by the client on
// 401 reauth_required), a correction asked of the centre handling a case (each problem beside its field), and what
// the law lets them delete (a draft, an upload no case uses).
import { ApiError } from '../../lib/api/client'
import { api } from '../../lib/api/endpoints'
import type { ConsentPurpose, CorrectionField, MyData } from '../../lib/api/types'
import { openPdf } from '../../lib/documents'
import { when } from '../../lib/format'
import { definePage, messageOf, toast } from '../../lib/page'

interface ConsentRow {
  purpose: ConsentPurpose
  title: string
  text: string
  version: string
  state: string
  granted: boolean
}

definePage({
  data: {
    data: null as MyData | null,
    person: '',
    cases: [] as { serial: string; line: string }[],
    files: [] as { id: string; line: string; deletable: boolean }[],
    drafts: [] as { kind: string; line: string }[],
    consents: [] as ConsentRow[],
    pending: [] as { purpose: ConsentPurpose; version: string; changes: string }[],
    views: [] as { key: string; line: string }[],
    serials: [] as string[],
    serialIndex: 0,
    fields: [] as { field: CorrectionField; label: string }[],
    fieldLabels: [] as string[],
    fieldIndex: -1,
    value: '',
    reason: '',
    sent: '',
    errors: {} as Record<string, string>,
    problem: '',
    busy: false,
  },
  methods: {
    onLoad() {
      return this.load()
    },
    async load() {
      try {
        this.show(await api.me())
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.network_error) })
      }
    },
    show(data: MyData) {
      const t = this.data.t
      const serials = Object.keys(data.correctable || {})
      this.setData({
        data,
        person: [data.person.name, data.person.id_number].filter(Boolean).join(' · '),
        cases: data.cases.map((c) => ({ serial: c.serial, line: `${c.serial} · ${c.status_label}` })),
        files: data.files.map((f) => ({ id: f.id, line: `${f.name}（${when(f.uploaded_at)}）`, deletable: !f.in_a_case })),
        drafts: data.drafts.map((d) => ({ kind: d.kind, line: `${d.kind === 'employer' ? t.apply_employer : t.apply_worker}（${when(d.updated_at)}）` })),
        consents: data.consents.optional.map((c) => ({
          purpose: c.purpose,
          title: c.title,
          text: c.text,
          version: c.version,
          granted: c.state === 'granted',
          state: c.state === 'granted' ? t.consent_granted : c.state === 'withdrawn' ? t.consent_withdrawn : '',
        })),
        pending: data.pending,
        views: data.views.map((v, i) => ({ key: `${v.at}-${i}`, line: `${when(v.at)} ${v.viewer}${v.name ? ' ' + v.name : ''} · ${v.action_label}${v.serial ? ' · ' + v.serial : ''}` })),
        serials,
        problem: '',
      })
      this.pickSerial(Math.min(this.data.serialIndex, Math.max(serials.length - 1, 0)))
    },
    pickSerial(index: number) {
      const data = this.data.data
      const serial = this.data.serials[index]
      const fields = (data && serial && data.correctable[serial]) || []
      this.setData({ serialIndex: index, fields, fieldLabels: fields.map((f) => f.label), fieldIndex: -1 })
    },
    onSerial(event: WechatMiniprogram.PickerChange) {
      this.pickSerial(Number(event.detail.value))
    },
    onField(event: WechatMiniprogram.PickerChange) {
      this.setData({ fieldIndex: Number(event.detail.value) })
    },
    onValue(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ value: event.detail.value })
    },
    onReason(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ reason: event.detail.value })
    },
    async act(work: () => Promise<void>) {
      this.setData({ busy: true, problem: '', errors: {} })
      try {
        await work()
      } catch (error) {
        if (error instanceof ApiError && error.errors.some((e) => e.field)) this.setData({ errors: error.byField() })
        else this.setData({ problem: messageOf(error, this.data.t.error) })
      } finally {
        this.setData({ busy: false })
      }
    },
    toggleConsent(event: WechatMiniprogram.CustomEvent) {
      const row = this.data.consents[Number(event.currentTarget.dataset.index)]
      return this.act(async () => {
        await api.consent(row.purpose, !row.granted, row.version)
        await this.load()
      })
    },
    acceptPending(event: WechatMiniprogram.CustomEvent) {
      const asked = this.data.pending[Number(event.currentTarget.dataset.index)]
      return this.act(async () => {
        await api.consent(asked.purpose, true, asked.version)
        await this.load()
      })
    },
    copy() {
      return this.act(() => openPdf(api.copyPath))
    },
    deleteFile(event: WechatMiniprogram.CustomEvent) {
      return this.remove(`file:${event.currentTarget.dataset.id}`)
    },
    deleteDraft(event: WechatMiniprogram.CustomEvent) {
      return this.remove(`draft:${event.currentTarget.dataset.kind}`)
    },
    remove(target: string) {
      return this.act(async () => {
        await api.deleteMine(target)
        if (target.startsWith('draft:')) wx.removeStorageSync(`draft.${target.slice(6)}`) // the phone's copy too
        toast(this.data.t.deleted)
        await this.load()
      })
    },
    correct() {
      const field = this.data.fields[this.data.fieldIndex]
      const serial = this.data.serials[this.data.serialIndex] || ''
      return this.act(async () => {
        const body = { serial, field: (field ? field.field : '') as CorrectionField, value: this.data.value, ...(this.data.reason ? { reason: this.data.reason } : {}) }
        const asked = await api.correct(body)
        const days = String((this.data.data && this.data.data.correction_days) || 15)
        this.setData({ sent: this.data.t.correction_sent.replace('{days}', days).replace('{due}', asked.due), value: '', reason: '' })
        await this.load()
      })
    },
  },
})
