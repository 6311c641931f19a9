// The respondent's case: the claim, and their answer within the period (agree, decline with a reason, or propose a
// settlement with an amount), each problem shown beside its field; then signing and the documents.
import { ApiError } from '../../../lib/api/client'
import { api } from '../../../lib/api/endpoints'
import type { Case, RespondentAnswer } from '../../../lib/api/types'
import { definePage, messageOf } from '../../../lib/page'
import { ask } from '../../../lib/subscribe'

type Decision = RespondentAnswer['decision']

definePage({
  data: {
    serial: '',
    item: null as Case | null,
    due: '',
    answered: '',
    canAnswer: false,
    canSign: false,
    ended: false,
    decisions: [] as { code: Decision; label: string }[],
    decision: '' as Decision | '',
    reason: '',
    proposal: '',
    amount: '',
    errors: {} as Record<string, string>,
    problem: '',
    sending: false,
  },
  methods: {
    onLoad(query: Record<string, string>) {
      this.setData({ serial: query.serial || '' })
      return this.load()
    },
    async load() {
      const t = this.data.t
      try {
        const page = await api.respondentCase(this.data.serial)
        const item = page.case
        const access = item.respondent_access as { answer_due?: string | null; answer?: { label: string } | null } | null
        const answer = access && access.answer
        this.setData({
          item,
          due: (access && access.answer_due) || '',
          answered: answer ? answer.label : '',
          canAnswer: page.can_answer && !answer,
          canSign: page.can_sign,
          ended: !!page.end,
          decisions: [
            { code: 'agree', label: t.answer_agree },
            { code: 'decline', label: t.answer_decline },
            { code: 'propose', label: t.answer_propose },
          ],
          problem: '',
        })
      } catch (error) {
        this.setData({ problem: messageOf(error, t.network_error) })
      }
    },
    choose(event: WechatMiniprogram.TouchEvent) {
      this.setData({ decision: event.currentTarget.dataset.code as Decision, errors: {} })
    },
    onReason(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ reason: event.detail.value })
    },
    onProposal(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ proposal: event.detail.value })
    },
    onAmount(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ amount: event.detail.value })
    },
    body(): RespondentAnswer | null {
      const { decision, reason, proposal, amount } = this.data
      if (decision === 'agree') return { decision }
      if (decision === 'decline') return reason ? { decision, reason } : { decision }
      if (decision === 'propose') return amount ? { decision, proposal, amount } : { decision, proposal }
      return null
    },
    async send() {
      const body = this.body()
      if (!body) return this.setData({ errors: { decision: this.data.t.choose } })
      this.setData({ sending: true, problem: '', errors: {} })
      await ask('respondent')
      try {
        await api.answer(this.data.serial, body)
        await this.load()
      } catch (error) {
        if (error instanceof ApiError && error.field) this.setData({ errors: error.byField() })
        else this.setData({ problem: messageOf(error, this.data.t.error) })
      } finally {
        this.setData({ sending: false })
      }
      return undefined
    },
    sign() {
      wx.navigateTo({ url: `/pages/cases/sign/index?serial=${this.data.serial}&role=respondent` })
    },
    documents() {
      wx.navigateTo({ url: `/pages/cases/documents/index?serial=${this.data.serial}&role=respondent` })
    },
    end() {
      wx.navigateTo({ url: `/pages/cases/end/index?serial=${this.data.serial}&role=respondent` })
    },
    service() {
      wx.navigateTo({ url: `/pages/cases/service/index?serial=${this.data.serial}&role=respondent` })
    },
  },
})
