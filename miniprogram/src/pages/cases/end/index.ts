// The end of a case without agreement as this party reads it (refused, silent, failed, expired, withdrawn: the
// page's `end`, services/cases/ends.py): what happened and the person's next right with its safe last day; their
// termination (or withdrawal) notice opened with one tap; the applicant's arbitration application made with one
// tap where arbitration is open (POST …/papers/arbitration), then opened. Opening either records its download in
// the document's service record (送达).
import { ApiError } from '../../../lib/api/client'
import { api, type Role } from '../../../lib/api/endpoints'
import type { CaseEnd } from '../../../lib/api/types'
import { openPdf } from '../../../lib/documents'
import { definePage, messageOf } from '../../../lib/page'

definePage({
  data: {
    serial: '',
    role: 'applicant' as Role,
    status: '',
    end: null as CaseEnd | null,
    limitation: '',
    mayArbitrate: false,
    arbitration: '',
    loaded: false,
    problem: '',
    busy: false,
  },
  methods: {
    onLoad(query: Record<string, string>) {
      this.setData({ serial: query.serial || '', role: query.role === 'respondent' ? 'respondent' : 'applicant' })
      return this.load()
    },
    async load() {
      try {
        const page = await api.casePage(this.data.role, this.data.serial)
        this.setData({
          status: page.case.status_label,
          end: page.end || null,
          limitation: page.limitation ? page.limitation.text : '',
          mayArbitrate: page.may_arbitrate,
          loaded: true,
          problem: '',
        })
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.network_error) })
      }
    },
    async openNotice() {
      const end = this.data.end
      if (!end || !end.notice) return
      this.setData({ busy: true, problem: '' })
      try {
        await openPdf(api.documentPath(this.data.role, this.data.serial, end.notice))
      } catch (error) {
        // the notice is owed (issued right after the end): a 404 until it exists
        const owed = error instanceof ApiError && error.status === 404
        this.setData({ problem: owed ? this.data.t.end_notice_owed : messageOf(error, this.data.t.network_error) })
      } finally {
        this.setData({ busy: false })
      }
    },
    async arbitrate() {
      this.setData({ busy: true, problem: '' })
      try {
        const issued = await api.paper(this.data.role, this.data.serial, 'arbitration')
        this.setData({ arbitration: `${this.data.t.arbitration_ready}：${issued.title}` })
        await openPdf(issued.download)
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.error) })
      } finally {
        this.setData({ busy: false })
      }
    },
    documents() {
      wx.navigateTo({ url: `/pages/cases/documents/index?serial=${this.data.serial}&role=${this.data.role}` })
    },
  },
})
