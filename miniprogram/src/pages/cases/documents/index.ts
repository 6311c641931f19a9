// The case's documents for this party, each opened on the phone: downloaded with the token (wx.downloadFile) as
// its PDF copy, then shown by wx.openDocument. Each shows its service on the person (送达: sent, opened,
// downloaded); opening one records its download on the server, and the list is read again to show it.
import { api, type Role } from '../../../lib/api/endpoints'
import type { DocumentListed } from '../../../lib/api/types'
import { openPdf } from '../../../lib/documents'
import { when } from '../../../lib/format'
import { definePage, messageOf } from '../../../lib/page'

interface Row {
  id: string
  title: string
  issued_at: string
  served: string
}

definePage({
  data: { serial: '', role: 'applicant' as Role, items: [] as Row[], loading: true, problem: '' },
  methods: {
    async onLoad(query: Record<string, string>) {
      this.setData({ serial: query.serial || '', role: query.role === 'respondent' ? 'respondent' : 'applicant' })
      await this.load()
    },
    async load() {
      try {
        const answer = await api.documents(this.data.role, this.data.serial)
        this.setData({ items: answer.items.map((d) => this.row(d)) })
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.network_error) })
      } finally {
        this.setData({ loading: false })
      }
    },
    /** A document with its service on the person in words: its state, and when it was downloaded. */
    row(d: DocumentListed): Row {
      const t = this.data.t
      const service = d.service
      let served = ''
      if (service) {
        served = service.state_label
        if (service.downloaded_at) served += ` · ${t.service_downloaded} ${when(service.downloaded_at)}`
      }
      return { id: d.id, title: d.title, issued_at: when(d.issued_at), served }
    },
    async open(event: WechatMiniprogram.CustomEvent) {
      const id = String(event.currentTarget.dataset.id)
      this.setData({ problem: '' })
      try {
        await openPdf(api.documentPath(this.data.role, this.data.serial, id))
        await this.load() // the download is now on its service record
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.network_error) })
      }
    },
  },
})
