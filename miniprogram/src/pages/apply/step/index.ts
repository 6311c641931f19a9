// One form step of the guided application (which fields: lib/forms.ts). Values are kept on the phone at every
// "next" and sent as the draft; the API's errors show beside the fields they name, here or, after submitting,
// when the review page sends the person back to this step.
import { ApiError } from '../../../lib/api/client'
import type { Kind, Reference } from '../../../lib/api/types'
import * as drafts from '../../../lib/drafts'
import { flow, formStep, nextStep, stepUrl, fieldKeyOf, type Field, type FormStep } from '../../../lib/forms'
import { definePage, messageOf } from '../../../lib/page'
import { lang } from '../../../lib/prefs'
import { reference } from '../../../lib/reference'
import * as problems from '../../../lib/problems'

interface FieldView {
  key: string
  id: string
  name: string
  type: Field['type']
  label: string
  required: boolean
  maxlength: number
  input: boolean
  inputType: string
  value: unknown
  options: { code: string; label: string }[]
  optionLabels: string[]
  index: number
  display: string
  error: string
}

const INPUT_TYPES: Partial<Record<Field['type'], string>> = {
  text: 'text',
  phone: 'text',
  email: 'text',
  idnumber: 'idcard',
  amount: 'digit',
}

definePage({
  data: {
    kind: 'worker' as Kind,
    step: '',
    title: '',
    intro: '',
    progress: '',
    fields: [] as FieldView[],
    banner: '',
    problem: '',
    saving: false,
  },
  methods: {
    async onLoad(query: Record<string, string>) {
      const kind = (query.kind === 'employer' ? 'employer' : 'worker') as Kind
      this.setData({ kind, step: query.step || '' })
      await this.load()
    },
    spec(): FormStep {
      const spec = formStep(this.data.kind, this.data.step)
      if (!spec) throw new Error(`no step ${this.data.step}`)
      return spec
    },
    async load() {
      const spec = this.spec()
      const steps = flow(this.data.kind)
      const t = this.data.t
      this.setData({ title: t[spec.title], intro: spec.intro ? t[spec.intro] : '', progress: `${steps.indexOf(spec.id) + 1} / ${steps.length}` })
      let codes: Reference | null = null
      try {
        const [, ref] = await Promise.all([drafts.restore(this.data.kind), reference()])
        codes = ref
      } catch (error) {
        this.setData({ problem: messageOf(error, t.network_error) })
      }
      const part = ((drafts.values(this.data.kind) as Record<string, unknown>)[spec.section] || {}) as Record<string, unknown>
      const known = problems.load(this.data.kind)
      const which = lang()
      const fields = spec.fields.map((field) => {
        const key = `${spec.section}.${field.name}`
        const options = field.codes && codes ? codes[field.codes] : []
        const value = part[field.name] === undefined || part[field.name] === null ? (field.type === 'switch' ? false : field.type === 'region' ? {} : '') : part[field.name]
        const index = options.findIndex((o) => o.code === value)
        return {
          key,
          id: key.replace(/\./g, '-'),
          name: field.name,
          type: field.type,
          label: field.label[which],
          required: field.required,
          maxlength: field.maxlength || 200,
          input: field.type in INPUT_TYPES,
          inputType: INPUT_TYPES[field.type] || 'text',
          value,
          options,
          optionLabels: options.map((o) => o.label),
          index: Math.max(index, 0),
          display: index >= 0 ? options[index].label : '',
          error: known[key] || '',
        }
      })
      this.setData({ fields })
    },
    indexOf(key: string): number {
      return this.data.fields.findIndex((f) => f.key === key)
    },
    set(key: string, changes: Partial<FieldView>) {
      const at = this.indexOf(key)
      if (at < 0) return
      const values: Record<string, unknown> = {}
      for (const name of Object.keys(changes)) values[`fields[${at}].${name}`] = (changes as Record<string, unknown>)[name]
      this.setData(values)
    },
    onInput(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.set(String(event.currentTarget.dataset.key), { value: event.detail.value })
    },
    onPick(event: WechatMiniprogram.PickerChange) {
      const key = String(event.currentTarget.dataset.key)
      const field = this.data.fields[this.indexOf(key)]
      const index = Number(event.detail.value)
      const option = field.options[index]
      this.set(key, { index, value: option ? option.code : '', display: option ? option.label : '' })
    },
    onDate(event: WechatMiniprogram.PickerChange) {
      this.set(String(event.currentTarget.dataset.key), { value: String(event.detail.value) })
    },
    onSwitch(event: WechatMiniprogram.CustomEvent<{ value: boolean }>) {
      this.set(String(event.currentTarget.dataset.key), { value: !!event.detail.value })
    },
    onRegion(event: WechatMiniprogram.CustomEvent<{ value: unknown }>) {
      this.set(String(event.currentTarget.dataset.key), { value: event.detail.value })
    },
    values(): Record<string, unknown> {
      const out: Record<string, unknown> = {}
      for (const field of this.data.fields) out[field.name] = field.value
      return out
    },
    showErrors(byField: Record<string, string>) {
      const spec = this.spec()
      const mine: Record<string, string> = {}
      const elsewhere: string[] = []
      for (const path of Object.keys(byField)) {
        const key = fieldKeyOf(spec, path)
        if (key) mine[key] = mine[key] || byField[path]
        else elsewhere.push(byField[path])
      }
      const values: Record<string, unknown> = {}
      this.data.fields.forEach((field, at) => (values[`fields[${at}].error`] = mine[field.key] || ''))
      values.problem = elsewhere.length || Object.keys(mine).length ? [this.data.t.fix_fields, ...elsewhere].join(' ') : ''
      this.setData(values)
    },
    /** Keep the step (phone first, then the server) and go on; a refused field stays here, beside its error. */
    async next() {
      const spec = this.spec()
      const kind = this.data.kind
      drafts.keep(kind, spec.section, this.values())
      this.setData({ saving: true, problem: '', banner: '' })
      try {
        const saved = await drafts.sync(kind)
        problems.clear(kind, spec.fields.map((f) => `${spec.section}.${f.name}`))
        this.showErrors(problems.load(kind))
        this.setData({ banner: saved === 'offline' ? this.data.t.saved_offline : this.data.t.synced })
        const following = nextStep(kind, spec.id)
        if (following) wx.navigateTo({ url: stepUrl(kind, following) })
      } catch (error) {
        if (error instanceof ApiError) this.showErrors(error.byField())
        else this.setData({ problem: messageOf(error, this.data.t.error) })
      } finally {
        this.setData({ saving: false })
      }
    },
    back() {
      wx.navigateBack({ delta: 1 })
    },
  },
})
