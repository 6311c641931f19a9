// The case's documents for this party, each opened on the phone: downloaded with the token (wx.downloadFile) as
// its PDF copy, then shown by wx.openDocument.
import { download } from '../../../lib/api/client'
import { api, type Role } from '../../../lib/api/endpoints'
import type { DocumentListed } from '../../../lib/api/types'
import { when } from '../../../lib/format'
import { definePage, messageOf } from '../../../lib/page'

definePage({
  data: { serial: '', role: 'applicant' as Role, items: [] as DocumentListed[], loading: true, problem: '' },
  methods: {
    async onLoad(query: Record<string, string>) {
      this.setData({ serial: query.serial || '', role: query.role === 'respondent' ? 'respondent' : 'applicant' })
      try {
        const answer = await api.documents(this.data.role, this.data.serial)
        this.setData({ items: answer.items.map((d) => ({ ...d, issued_at: when(d.issued_at) })) })
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.network_error) })
      } finally {
        this.setData({ loading: false })
      }
    },
    async open(event: WechatMiniprogram.CustomEvent) {
      const id = String(event.currentTarget.dataset.id)
      this.setData({ problem: '' })
      try {
        const filePath = await download(api.documentPath(this.data.role, this.data.serial, id))
        await new Promise((resolve, reject) => wx.openDocument({ filePath, fileType: 'pdf', showMenu: true, success: resolve, fail: reject }))
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.network_error) })
      }
    },
  },
})
