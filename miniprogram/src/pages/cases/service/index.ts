// The party's 送达地址确认书 and what was served on them (送达记录): consent to electronic service or not, the address
// for service and who receives there (POST …/{serial}/service, either party, at any time), each problem beside its
// field; then every notice and document served on them with its state. Reading this page (GET …/page) records
// that the person opened the notices it lists (services/cases/service.py `mark_opened`).
import { ApiError } from '../../../lib/api/client'
import { api, type Role } from '../../../lib/api/endpoints'
import type { CasePage, ServiceRecord } from '../../../lib/api/types'
import { when } from '../../../lib/format'
import { definePage, messageOf } from '../../../lib/page'

interface Row {
  key: string
  title: string
  state: string
  times: string
  paper: boolean
}

definePage({
  data: {
    serial: '',
    role: 'applicant' as Role,
    electronic: false,
    address: '',
    recipient: '',
    given: '',
    records: [] as Row[],
    loaded: false,
    errors: {} as Record<string, string>,
    problem: '',
    banner: '',
    sending: false,
  },
  methods: {
    onLoad(query: Record<string, string>) {
      this.setData({ serial: query.serial || '', role: query.role === 'respondent' ? 'respondent' : 'applicant' })
      return this.load()
    },
    async load() {
      try {
        this.show(await api.casePage(this.data.role, this.data.serial), true)
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.network_error) })
      }
    },
    /** The page's answer shown: the consent given (the form filled with it, when `fill`) and the records. */
    show(page: CasePage, fill: boolean) {
      const t = this.data.t
      const consent = page.service_consent
      const values: Record<string, unknown> = {
        given: consent ? `${t.service_given}：${consent.label}（${when(consent.given_at)}）` : '',
        records: (page.service || []).map((r) => this.row(r)),
        loaded: true,
        problem: '',
      }
      if (fill && consent) Object.assign(values, { electronic: consent.electronic, address: consent.address, recipient: consent.recipient })
      this.setData(values)
    },
    row(record: ServiceRecord): Row {
      const t = this.data.t
      const times = [
        record.sent_at ? `${t.service_sent} ${when(record.sent_at)}` : '',
        record.opened_at ? `${t.service_opened} ${when(record.opened_at)}` : '',
        record.downloaded_at ? `${t.service_downloaded} ${when(record.downloaded_at)}` : '',
        record.paper ? `${record.paper.method_label} ${record.paper.on}` : '',
      ].filter(Boolean)
      return { key: record.key, title: record.title, state: record.state_label, times: times.join(' · '), paper: record.needs_paper }
    },
    onElectronic(event: WechatMiniprogram.CustomEvent<{ value: boolean }>) {
      this.setData({ electronic: !!event.detail.value })
    },
    onAddress(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ address: event.detail.value })
    },
    onRecipient(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ recipient: event.detail.value })
    },
    async save() {
      this.setData({ sending: true, errors: {}, problem: '', banner: '' })
      try {
        const body = { electronic: this.data.electronic, address: this.data.address, recipient: this.data.recipient || null }
        this.show(await api.giveService(this.data.role, this.data.serial, body), false)
        this.setData({ banner: this.data.t.synced })
      } catch (error) {
        if (error instanceof ApiError && error.errors.some((e) => e.field)) {
          const errors: Record<string, string> = {}
          const byField = error.byField()
          for (const path of Object.keys(byField)) errors[path.split('.').pop() || ''] = byField[path]
          this.setData({ errors })
        } else this.setData({ problem: messageOf(error, this.data.t.error) })
      } finally {
        this.setData({ sending: false })
      }
    },
  },
})
