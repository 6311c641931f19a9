// One case with its timeline (GET /api/mp/applications/{serial}), and its actions as it stands: the clarified
// items to confirm, the agreement to sign, the documents; the progress notices asked for from a tap; the end (its
// notice, the arbitration application), the address for service and what was served, withdrawing while open.
// config.yaml's notification_templates.mini_program_page names this page (?serial=).
import { api } from '../../../lib/api/endpoints'
import type { Case } from '../../../lib/api/types'
import { when } from '../../../lib/format'
import { definePage, messageOf, toast } from '../../../lib/page'
import { ask } from '../../../lib/subscribe'

definePage({
  data: { serial: '', item: null as Case | null, clarifyPending: false, canSign: false, ended: false, open: false, problem: '' },
  methods: {
    onLoad(query: Record<string, string>) {
      this.setData({ serial: query.serial || '' })
      return this.load()
    },
    onShow() {
      if (this.data.item) this.load()
    },
    async load() {
      try {
        const answer = await api.myCase(this.data.serial)
        const item = { ...answer, next_session_at: when(answer.next_session_at), timeline: answer.timeline.map((e) => ({ ...e, at: when(e.at) })) }
        const clarified = item.clarified as { state?: string } | null
        this.setData({
          item,
          clarifyPending: !!(clarified && clarified.state === 'pending'),
          canSign: item.status === 'signing',
          ended: item.closed && !!item.outcome && item.outcome.kind !== 'settled', // an end without agreement
          open: !item.closed,
          problem: '',
        })
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.network_error) })
      }
    },
    clarified() {
      wx.navigateTo({ url: `/pages/cases/clarified/index?serial=${this.data.serial}` })
    },
    sign() {
      wx.navigateTo({ url: `/pages/cases/sign/index?serial=${this.data.serial}&role=applicant` })
    },
    documents() {
      wx.navigateTo({ url: `/pages/cases/documents/index?serial=${this.data.serial}&role=applicant` })
    },
    end() {
      wx.navigateTo({ url: `/pages/cases/end/index?serial=${this.data.serial}&role=applicant` })
    },
    service() {
      wx.navigateTo({ url: `/pages/cases/service/index?serial=${this.data.serial}&role=applicant` })
    },
    withdraw() {
      wx.navigateTo({ url: `/pages/cases/withdraw/index?serial=${this.data.serial}` })
    },
    async subscribe() {
      const accepted = await ask('case')
      if (accepted.length) toast(this.data.t.synced)
    },
  },
})
