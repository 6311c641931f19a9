// 我的申请: the person's applications (status, cause, mediator, next session, last update), then the cases where
// they answer as the respondent.
import { api } from '../../../lib/api/endpoints'
import type { CaseSummary, RespondentCaseSummary } from '../../../lib/api/types'
import { when } from '../../../lib/format'
import { definePage, messageOf } from '../../../lib/page'

definePage({
  data: { mine: [] as CaseSummary[], theirs: [] as RespondentCaseSummary[], loading: true, problem: '' },
  methods: {
    onLoad() {
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      this.setData({ loading: true, problem: '' })
      try {
        const [mine, theirs] = await Promise.all([api.myCases(), api.respondentCases()])
        const shown = <T extends { updated_at: string; next_session_at: string | null }>(c: T): T => ({ ...c, updated_at: when(c.updated_at), next_session_at: when(c.next_session_at) })
        this.setData({ mine: mine.items.map(shown), theirs: theirs.items.map(shown) })
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.network_error) })
      } finally {
        this.setData({ loading: false })
      }
    },
    open(event: WechatMiniprogram.TouchEvent) {
      wx.navigateTo({ url: `/pages/cases/detail/index?serial=${event.currentTarget.dataset.serial}` })
    },
    openRespondent(event: WechatMiniprogram.TouchEvent) {
      wx.navigateTo({ url: `/pages/respondent/case/index?serial=${event.currentTarget.dataset.serial}` })
    },
    apply() {
      wx.navigateTo({ url: '/pages/apply/notice/index?kind=worker' })
    },
  },
})
