// The request items the mediator wrote under the cause taxonomy: the applicant confirms them, or says what
// should change (POST /api/mp/applications/{serial}/clarified, naming the version read: a newer version pushed
// meanwhile is a 409, and the page shows the new one).
import { ApiError } from '../../../lib/api/client'
import { api } from '../../../lib/api/endpoints'
import type { Case } from '../../../lib/api/types'
import { definePage, messageOf } from '../../../lib/page'
import { ask } from '../../../lib/subscribe'

type Clarified = NonNullable<Case['clarified']>

definePage({
  data: {
    serial: '',
    version: 0,
    items: [] as Clarified['items'],
    pending: false,
    comment: '',
    errors: {} as Record<string, string>,
    problem: '',
    done: '',
    sending: false,
  },
  methods: {
    onLoad(query: Record<string, string>) {
      this.setData({ serial: query.serial || '' })
      return this.load()
    },
    async load() {
      try {
        const item = await api.myCase(this.data.serial)
        const clarified = item.clarified
        if (!clarified) return this.setData({ items: [], pending: false })
        const t = this.data.t
        this.setData({
          version: clarified.version,
          items: clarified.items,
          pending: clarified.state === 'pending',
          done: clarified.state === 'confirmed' ? t.clarified_confirmed : clarified.state === 'change_requested' ? t.clarified_change_requested : '',
        })
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.network_error) })
      }
      return undefined
    },
    onComment(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ comment: event.detail.value })
    },
    confirm() {
      return this.answer('confirm')
    },
    change() {
      return this.answer('change')
    },
    async answer(decision: 'confirm' | 'change') {
      this.setData({ sending: true, problem: '', errors: {} })
      if (decision === 'confirm') await ask('clarified') // from the tap: acceptance and the session follow
      try {
        const body = decision === 'confirm'
          ? { version: this.data.version, decision, ...(this.data.comment ? { comment: this.data.comment } : {}) }
          : { version: this.data.version, decision, comment: this.data.comment }
        await api.answerClarified(this.data.serial, body)
        await this.load()
      } catch (error) {
        if (error instanceof ApiError && error.status === 409) await this.load()
        if (error instanceof ApiError && error.field) this.setData({ errors: error.byField() })
        else this.setData({ problem: messageOf(error, this.data.t.error) })
      } finally {
        this.setData({ sending: false })
      }
    },
  },
})
