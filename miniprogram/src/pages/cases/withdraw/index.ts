// The applicant withdraws their application (POST /api/mp/applications/{serial}/withdraw, with a reason): asked to
// be sure first, told that withdrawing keeps their right to arbitration (调解仲裁法 art. 5); the reason's problem
// beside it. Then the end's page, with the withdrawal notice and the arbitration application one tap away.
import { ApiError } from '../../../lib/api/client'
import { api } from '../../../lib/api/endpoints'
import { definePage, messageOf } from '../../../lib/page'

function sure(title: string, content: string): Promise<boolean> {
  return new Promise((resolve) =>
    wx.showModal({ title, content, success: (r) => resolve(!!r.confirm), fail: () => resolve(false) }),
  )
}

definePage({
  data: { serial: '', reason: '', errors: {} as Record<string, string>, problem: '', sending: false },
  methods: {
    onLoad(query: Record<string, string>) {
      this.setData({ serial: query.serial || '' })
    },
    onReason(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ reason: event.detail.value })
    },
    async withdraw() {
      const t = this.data.t
      if (!(await sure(t.withdraw_title, t.withdraw_sure))) return
      this.setData({ sending: true, errors: {}, problem: '' })
      try {
        await api.withdraw(this.data.serial, this.data.reason)
        wx.redirectTo({ url: `/pages/cases/end/index?serial=${this.data.serial}&role=applicant` })
      } catch (error) {
        if (error instanceof ApiError && error.field) this.setData({ errors: error.byField() })
        else this.setData({ problem: messageOf(error, t.error) })
      } finally {
        this.setData({ sending: false })
      }
    },
  },
})
