// The claim calculator (POST /api/calculator): the kind, the figures it reads, and the amount with its steps,
// assumptions and basis; a local figure missing is shown above the amount. Each error beside its field.
import { ApiError } from '../../../lib/api/client'
import { api } from '../../../lib/api/endpoints'
import type { CalculatorKind, CalculatorRequest, CalculatorResult } from '../../../lib/api/types'
import { definePage, messageOf } from '../../../lib/page'
import type { Strings } from '../../../lib/i18n'

type Ground = NonNullable<CalculatorRequest['ground']>
type Input = 'monthly_wage' | 'start_date' | 'end_date' | 'contract_signed_date' | 'ground' | 'cumulative_service_years' | 'leave_days_taken' | 'overtime_hours.workday' | 'overtime_hours.rest_day' | 'overtime_hours.holiday'

const KINDS: { code: CalculatorKind; label: keyof Strings; inputs: Input[] }[] = [
  { code: 'economic_compensation', label: 'calc_economic_compensation', inputs: ['monthly_wage', 'start_date', 'end_date', 'ground'] },
  { code: 'unlawful_termination', label: 'calc_unlawful_termination', inputs: ['monthly_wage', 'start_date', 'end_date'] },
  { code: 'no_written_contract', label: 'calc_no_written_contract', inputs: ['monthly_wage', 'start_date', 'end_date', 'contract_signed_date'] },
  { code: 'overtime', label: 'calc_overtime', inputs: ['monthly_wage', 'overtime_hours.workday', 'overtime_hours.rest_day', 'overtime_hours.holiday'] },
  { code: 'annual_leave', label: 'calc_annual_leave', inputs: ['monthly_wage', 'end_date', 'cumulative_service_years', 'leave_days_taken', 'start_date'] },
  { code: 'notice_pay', label: 'calc_notice_pay', inputs: ['monthly_wage'] },
]

const LABELS: Record<Input, keyof Strings> = {
  monthly_wage: 'monthly_wage',
  start_date: 'start_date',
  end_date: 'end_date',
  contract_signed_date: 'contract_signed_date',
  ground: 'ground',
  cumulative_service_years: 'cumulative_service_years',
  leave_days_taken: 'leave_days_taken',
  'overtime_hours.workday': 'overtime_workday',
  'overtime_hours.rest_day': 'overtime_rest_day',
  'overtime_hours.holiday': 'overtime_holiday',
}

// How a contract ended, as 劳部发〔1994〕481号 and the Labour Contract Law name the grounds (the API's codes).
const GROUNDS: { code: Ground; zh: string; en: string }[] = [
  { code: 'mutual_agreement', zh: '协商一致解除', en: 'Ended by agreement' },
  { code: 'employer_fault', zh: '单位过错，劳动者解除', en: "The worker left for the employer's fault" },
  { code: 'illness', zh: '医疗期满不能工作', en: 'Unable to work after sick leave' },
  { code: 'incompetence', zh: '不能胜任工作', en: 'Not up to the job' },
  { code: 'changed_circumstances', zh: '客观情况发生重大变化', en: 'Circumstances changed' },
  { code: 'layoff', zh: '经济性裁员', en: 'Redundancy' },
  { code: 'expiry', zh: '合同期满终止', en: 'The fixed term ended' },
  { code: 'closure', zh: '单位破产、关闭等', en: 'The employer closed' },
]

interface FieldView {
  key: Input
  id: string
  label: string
  type: 'number' | 'date' | 'ground'
  value: string
  index: number
  display: string
  error: string
}

definePage({
  data: { kindIndex: 0, kindLabels: [] as string[], groundLabels: [] as string[], fields: [] as FieldView[], result: null as CalculatorResult | null, problem: '', busy: false },
  methods: {
    onLoad() {
      this.show(0)
    },
    show(kindIndex: number) {
      const t = this.data.t
      const en = this.data.lang === 'en'
      const fields = KINDS[kindIndex].inputs.map((key) => ({
        key,
        id: key.replace(/\./g, '-'),
        label: t[LABELS[key]],
        type: (key.endsWith('date') ? 'date' : key === 'ground' ? 'ground' : 'number') as FieldView['type'],
        value: '',
        index: 0,
        display: '',
        error: '',
      }))
      this.setData({
        kindIndex,
        kindLabels: KINDS.map((k) => t[k.label]),
        groundLabels: GROUNDS.map((g) => (en ? g.en : g.zh)),
        fields,
        result: null,
        problem: '',
      })
    },
    onKind(event: WechatMiniprogram.PickerChange) {
      this.show(Number(event.detail.value))
    },
    at(key: string): number {
      return this.data.fields.findIndex((f) => f.key === key)
    },
    onInput(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ [`fields[${this.at(String(event.currentTarget.dataset.key))}].value`]: String(event.detail.value) })
    },
    onGround(event: WechatMiniprogram.PickerChange) {
      const index = Number(event.detail.value)
      const at = this.at('ground')
      this.setData({ [`fields[${at}].index`]: index, [`fields[${at}].value`]: GROUNDS[index].code, [`fields[${at}].display`]: this.data.groundLabels[index] })
    },
    body(): CalculatorRequest {
      const body: Record<string, unknown> = { kind: KINDS[this.data.kindIndex].code }
      const hours: Record<string, number> = {}
      for (const field of this.data.fields) {
        if (field.value === '') continue
        if (field.key.startsWith('overtime_hours.')) hours[field.key.split('.')[1]] = Number(field.value)
        else if (field.key === 'cumulative_service_years' || field.key === 'leave_days_taken') body[field.key] = Number(field.value)
        else body[field.key] = field.value
      }
      if (Object.keys(hours).length) body.overtime_hours = hours
      return body as CalculatorRequest
    },
    async compute() {
      this.setData({ busy: true, problem: '', result: null })
      const cleared: Record<string, string> = {}
      this.data.fields.forEach((_f, at) => (cleared[`fields[${at}].error`] = ''))
      this.setData(cleared)
      try {
        this.setData({ result: await api.calculator(this.body()) })
      } catch (error) {
        if (error instanceof ApiError && error.errors.some((e) => this.at(e.field) >= 0)) {
          const shown: Record<string, string> = {}
          for (const problem of error.errors) if (this.at(problem.field) >= 0) shown[`fields[${this.at(problem.field)}].error`] = problem.message
          this.setData(shown)
        } else this.setData({ problem: messageOf(error, this.data.t.network_error) })
      } finally {
        this.setData({ busy: false })
      }
    },
  },
})
