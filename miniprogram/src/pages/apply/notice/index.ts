// The first step: the notice (告知书) served by GET /api/notice, accepted in its current version. When the notice
// changes version, the next submission names consent.version and the person is brought back here.
import type { Kind, Notice } from '../../../lib/api/types'
import { ApiError } from '../../../lib/api/client'
import { api } from '../../../lib/api/endpoints'
import * as drafts from '../../../lib/drafts'
import { flow, nextStep, stepUrl } from '../../../lib/forms'
import { definePage, messageOf } from '../../../lib/page'
import * as problems from '../../../lib/problems'

definePage({
  data: { kind: 'worker' as Kind, notice: null as Notice | null, accepted: false, progress: '', error: '', problem: '', saving: false },
  methods: {
    async onLoad(query: Record<string, string>) {
      const kind = (query.kind === 'employer' ? 'employer' : 'worker') as Kind
      this.setData({ kind, progress: `1 / ${flow(kind).length}` })
      try {
        const [notice, draft] = await Promise.all([api.notice(), drafts.restore(kind)])
        const consent = (draft as { consent?: { version?: string | null; accepted?: boolean | null } }).consent
        const known = problems.load(kind)
        this.setData({
          notice,
          accepted: !!(consent && consent.accepted && consent.version === notice.version),
          error: known['consent.version'] || known['consent.accepted'] || known.consent || '',
        })
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.network_error) })
      }
    },
    onAccept(event: WechatMiniprogram.CustomEvent<{ checked: boolean }>) {
      this.setData({ accepted: !!event.detail.checked, error: '' })
    },
    async next() {
      const { kind, notice } = this.data
      if (!notice) return
      if (!this.data.accepted) return this.setData({ error: this.data.t.must_accept })
      drafts.keep(kind, 'consent', { version: notice.version, accepted: true })
      this.setData({ saving: true })
      try {
        const saved = await drafts.sync(kind)
        problems.clear(kind, ['consent'])
        if (saved === 'offline') wx.showToast({ title: this.data.t.saved_offline, icon: 'none' })
        wx.navigateTo({ url: stepUrl(kind, nextStep(kind, 'notice') || 'review') })
      } catch (error) {
        this.setData({ error: error instanceof ApiError ? error.message : messageOf(error, this.data.t.error) })
      } finally {
        this.setData({ saving: false })
      }
      return undefined
    },
  },
})
