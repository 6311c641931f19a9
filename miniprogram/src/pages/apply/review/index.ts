// The last step: everything typed, step by step, then the submission (POST /api/mp/drafts/{kind}/submit with an
// Idempotency-Key kept on the phone, so a retry after a lost answer gets the same case, never a second one).
// The API's field problems show under their step here and beside their fields on that step's page; a notice
// accepted in a version no longer served sends the person back to the notice.
import { ApiError, idempotencyKey } from '../../../lib/api/client'
import { api } from '../../../lib/api/endpoints'
import type { Kind, Reference } from '../../../lib/api/types'
import * as drafts from '../../../lib/drafts'
import { FORMS, flow, stepOfField, stepUrl } from '../../../lib/forms'
import { definePage, messageOf } from '../../../lib/page'
import { lang } from '../../../lib/prefs'
import * as problems from '../../../lib/problems'
import { reference } from '../../../lib/reference'
import { ask } from '../../../lib/subscribe'

interface Row {
  label: string
  value: string
  error: string
}

interface Section {
  id: string
  title: string
  rows: Row[]
  errors: string[]
}

const KEY = (kind: Kind) => `draft.submit-key.${kind}`

definePage({
  data: { kind: 'worker' as Kind, sections: [] as Section[], progress: '', problem: '', sending: false },
  methods: {
    async onLoad(query: Record<string, string>) {
      const kind = (query.kind === 'employer' ? 'employer' : 'worker') as Kind
      const steps = flow(kind)
      this.setData({ kind, progress: `${steps.length} / ${steps.length}` })
      await this.show()
    },
    async show() {
      const { kind, t } = this.data
      let codes: Reference | null = null
      try {
        await drafts.restore(kind)
        codes = await reference()
      } catch (error) {
        this.setData({ problem: messageOf(error, t.network_error) })
      }
      const values = drafts.values(kind) as Record<string, Record<string, unknown> | undefined>
      const known = problems.load(kind)
      const which = lang()
      const extra: Record<string, string[]> = {}
      for (const path of Object.keys(known)) {
        const step = stepOfField(kind, path)
        const isField = FORMS[kind].some((s) => s.fields.some((f) => path === `${s.section}.${f.name}`))
        if (!isField) (extra[step] = extra[step] || []).push(known[path])
      }
      const sections: Section[] = FORMS[kind].map((step) => ({
        id: step.id,
        title: t[step.title],
        errors: extra[step.id] || [],
        rows: step.fields.map((field) => {
          const raw = (values[step.section] || {})[field.name]
          let value = ''
          if (field.type === 'switch') value = raw === true ? t.yes : raw === false ? t.no : ''
          else if (field.type === 'region') value = raw && typeof raw === 'object' ? String((raw as { detail?: string }).detail || (raw as { region_code?: string }).region_code || '') : ''
          else if (field.codes && codes) value = (codes[field.codes].find((o) => o.code === raw) || { label: '' }).label
          else value = raw === undefined || raw === null ? '' : String(raw)
          return { label: field.label[which], value, error: known[`${step.section}.${field.name}`] || '' }
        }),
      }))
      const files = drafts.files(kind)
      sections.push({
        id: 'evidence',
        title: t.step_evidence,
        rows: files.length ? files.map((f) => ({ label: t.uploaded, value: [f.name, f.source, f.proves].filter(Boolean).join(' · '), error: '' })) : [{ label: t.step_evidence, value: t.no_evidence, error: '' }],
        errors: extra.evidence || [],
      })
      if (extra.notice) sections.unshift({ id: 'notice', title: t.step_notice, rows: [], errors: extra.notice })
      this.setData({ sections })
    },
    edit(event: WechatMiniprogram.TouchEvent) {
      wx.navigateTo({ url: stepUrl(this.data.kind, String(event.currentTarget.dataset.step)) })
    },
    submit() {
      return this.send(false)
    },
    async send(retried: boolean) {
      const { kind, t } = this.data
      this.setData({ sending: true, problem: '' })
      if (!retried) await ask('submit') // from the tap, before the receipt is sent
      const key = (wx.getStorageSync(KEY(kind)) as string) || idempotencyKey(`mp-${kind}`)
      wx.setStorageSync(KEY(kind), key)
      try {
        if ((await drafts.sync(kind)) === 'offline') throw new ApiError(0, null, t.network_error)
        const created = await api.submitDraft(kind, key)
        drafts.forget(kind)
        problems.forget(kind)
        wx.removeStorageSync(KEY(kind))
        wx.redirectTo({ url: `/pages/apply/done/index?serial=${created.serial}` })
      } catch (error) {
        if (error instanceof ApiError && error.code === 'idempotency_key_reused') {
          wx.removeStorageSync(KEY(kind)) // the draft changed since the key was first sent: a new key, once
          if (!retried) return this.send(true)
        }
        if (error instanceof ApiError && error.status === 404 && error.code === 'draft_not_found') {
          drafts.forget(kind) // submitted already (its answer was lost on the way): the case is in 我的申请
          wx.redirectTo({ url: '/pages/cases/list/index' })
          return undefined
        }
        if (error instanceof ApiError && !error.network && error.errors.some((e) => e.field && e.field !== 'Idempotency-Key')) {
          problems.save(kind, error.byField())
          const first = error.errors.find((e) => e.field)
          if (first && stepOfField(kind, first.field) === 'notice') wx.navigateTo({ url: stepUrl(kind, 'notice') })
          this.setData({ problem: t.fix_fields })
          await this.show()
        } else {
          this.setData({ problem: error instanceof ApiError && error.network ? t.network_error : messageOf(error, t.error) })
        }
      } finally {
        this.setData({ sending: false })
      }
      return undefined
    },
    back() {
      wx.navigateBack({ delta: 1 })
    },
  },
})
