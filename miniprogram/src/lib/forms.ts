// The guided application, one short step a page: which steps each kind of applicant walks, and each form
// step's fields. Field names are typed against the drafts of the OpenAPI document, so a field the API renames
// or drops fails the type check. Errors come back from the API by dotted path (applicant.id_number): each is
// shown beside its field, on its step.
import type { Strings } from './i18n'
import type { EmployerDraft, Kind, Reference, WorkerDraft } from './api/types'
import type { Lang } from './prefs'

export type Section = 'applicant' | 'respondent' | 'claim' | 'service'
export type FieldType = 'text' | 'textarea' | 'date' | 'select' | 'switch' | 'phone' | 'amount' | 'region' | 'email' | 'idnumber'
export type CodeList = keyof Reference

export interface Field {
  name: string
  type: FieldType
  label: { zh: string; en: string }
  required: boolean
  codes?: CodeList
  maxlength?: number
}

export interface FormStep {
  id: string
  section: Section
  title: keyof Strings
  /** a line above the fields (the 送达地址确认书 says what consenting means) */
  intro?: keyof Strings
  fields: Field[]
}

type Part<D, S extends Section> = NonNullable<D extends { [K in S]?: infer P } ? P : never>

function fields<T>() {
  return (name: Extract<keyof T, string>, type: FieldType, zh: string, en: string, extra: Partial<Field> = {}): Field => ({
    name,
    type,
    label: { zh, en },
    required: true,
    ...extra,
  })
}

const opt = { required: false }
const wa = fields<Part<WorkerDraft, 'applicant'>>()
const wr = fields<Part<WorkerDraft, 'respondent'>>()
const wc = fields<Part<WorkerDraft, 'claim'>>()
const ea = fields<Part<EmployerDraft, 'applicant'>>()
const er = fields<Part<EmployerDraft, 'respondent'>>()
const ec = fields<Part<EmployerDraft, 'claim'>>()
const ws = fields<Part<WorkerDraft, 'service'>>()
const es = fields<Part<EmployerDraft, 'service'>>()

/** The applicant's 送达地址确认书 (民事诉讼法 art. 90, 民诉法解释 art. 136 as the server's model, services/cases/service.py):
 * optional in the API, asked here so the case starts with it. */
function serviceStep(f: typeof ws | typeof es): FormStep {
  return {
    id: 'service',
    section: 'service',
    title: 'step_service',
    intro: 'service_step_intro',
    fields: [
      f('electronic', 'switch', '同意通过本平台电子送达', 'I agree to service through this platform'),
      f('address', 'text', '送达地址', 'Address for service', { maxlength: 200 }),
      f('recipient', 'text', '收件人', 'Recipient', { ...opt, maxlength: 50 }),
    ],
  }
}

const WORKER: FormStep[] = [
  {
    id: 'applicant',
    section: 'applicant',
    title: 'step_applicant',
    fields: [
      wa('name', 'text', '姓名', 'Name', { maxlength: 50 }),
      wa('id_type', 'select', '证件类型', 'Type of ID', { codes: 'id_types' }),
      wa('id_number', 'idnumber', '证件号码', 'ID number', { maxlength: 30 }),
      wa('nationality', 'select', '国籍', 'Nationality', { codes: 'nationalities' }),
      wa('gender', 'select', '性别', 'Gender', { codes: 'genders' }),
      wa('ethnicity', 'text', '民族', 'Ethnic group', { ...opt, maxlength: 20 }),
      wa('birth_date', 'date', '出生日期', 'Date of birth'),
      wa('education', 'select', '文化程度', 'Education', { codes: 'educations' }),
    ],
  },
  {
    id: 'contact',
    section: 'applicant',
    title: 'step_contact',
    fields: [
      wa('phone', 'phone', '手机号码', 'Phone', { maxlength: 30 }),
      wa('email', 'email', '电子邮箱', 'Email', { ...opt, maxlength: 100 }),
      wa('address', 'text', '住址', 'Home address', { maxlength: 200 }),
      wa('mailing_address', 'text', '通讯地址', 'Mailing address', { ...opt, maxlength: 200 }),
      wa('job_title', 'text', '工作岗位', 'Job', { maxlength: 200 }),
      wa('work_location', 'text', '工作地点', 'Place of work', { maxlength: 200 }),
      wa('migrant_worker', 'switch', '是否农民工', 'Migrant worker'),
      wa('contract_signed', 'switch', '是否签订劳动合同', 'Written contract signed'),
    ],
  },
  {
    id: 'respondent',
    section: 'respondent',
    title: 'step_respondent',
    fields: [
      wr('name', 'text', '单位名称', 'Employer name', { maxlength: 100 }),
      wr('uscc', 'text', '统一社会信用代码', 'Unified social credit code', { ...opt, maxlength: 30 }),
      wr('industry', 'select', '所属行业', 'Industry', { codes: 'industries' }),
      wr('nature', 'select', '单位性质', 'Kind of employer', { codes: 'natures' }),
      wr('address', 'region', '单位住所', 'Employer address', opt),
      wr('legal_representative_name', 'text', '法定代表人（主要负责人）', 'Legal representative', { maxlength: 50 }),
      wr('legal_representative_title', 'text', '法定代表人职务', 'Their title', { ...opt, maxlength: 50 }),
      wr('contact_name', 'text', '单位联系人', 'Contact person', { ...opt, maxlength: 50 }),
      wr('contact_phone', 'phone', '单位联系电话（手机可收短信）', 'Contact phone (a mobile gets texts)', { ...opt, maxlength: 30 }),
    ],
  },
  {
    id: 'claim',
    section: 'claim',
    title: 'step_claim',
    fields: [
      wc('requests', 'textarea', '请求事项', 'What you ask for', { maxlength: 2000 }),
      wc('facts', 'textarea', '事实与理由', 'Facts and reasons', { maxlength: 10000 }),
      wc('amount', 'amount', '请求金额（元）', 'Amount claimed (yuan)', { ...opt, maxlength: 20 }),
      wc('venue', 'select', '案件提交地', 'Where to mediate', { ...opt, codes: 'venues' }),
      wc('employment_started', 'date', '入职日期', 'First day of work'),
      wc('employment_ended', 'date', '离职日期（仍在职可不填）', 'Last day of work (empty if still employed)', opt),
      wc('dispute_known_on', 'date', '知道权利被侵害的日期', 'Day you learned of the wrong', opt),
    ],
  },
  serviceStep(ws),
]

const EMPLOYER: FormStep[] = [
  {
    id: 'company',
    section: 'applicant',
    title: 'step_company',
    fields: [
      ea('name', 'text', '单位名称', 'Company name', { maxlength: 100 }),
      ea('uscc', 'text', '统一社会信用代码', 'Unified social credit code', { ...opt, maxlength: 30 }),
      ea('industry', 'select', '所属行业', 'Industry', { codes: 'industries' }),
      ea('nature', 'select', '单位性质', 'Kind of employer', { codes: 'natures' }),
      ea('address', 'region', '单位住所', 'Company address', opt),
      ea('email', 'email', '单位电子邮箱', 'Company email', { maxlength: 100 }),
    ],
  },
  {
    id: 'company_contact',
    section: 'applicant',
    title: 'step_company_contact',
    fields: [
      ea('is_agent', 'switch', '联系人是委托代理人', 'The contact is an authorised agent'),
      ea('contact_name', 'text', '联系人姓名', 'Contact name', { maxlength: 50 }),
      ea('contact_phone', 'phone', '联系人电话', 'Contact phone', { maxlength: 30 }),
      ea('contact_id_type', 'select', '联系人证件类型', "Contact's type of ID", { codes: 'id_types' }),
      ea('contact_id_number', 'idnumber', '联系人证件号码', "Contact's ID number", { maxlength: 30 }),
      ea('legal_representative_name', 'text', '法定代表人姓名', 'Legal representative', { maxlength: 50 }),
      ea('legal_representative_title', 'text', '法定代表人职务', 'Their title', { maxlength: 50 }),
      ea('legal_representative_phone', 'phone', '法定代表人电话', 'Their phone', { maxlength: 30 }),
    ],
  },
  {
    id: 'respondent',
    section: 'respondent',
    title: 'step_respondent',
    fields: [
      er('name', 'text', '被申请人姓名', "Worker's name", { maxlength: 50 }),
      er('phone', 'phone', '被申请人电话（手机可收短信）', "Worker's phone (a mobile gets texts)", { maxlength: 30 }),
      er('id_type', 'select', '证件类型', 'Type of ID', { ...opt, codes: 'id_types' }),
      er('id_number', 'idnumber', '证件号码', 'ID number', { ...opt, maxlength: 30 }),
      er('gender', 'select', '性别', 'Gender', { ...opt, codes: 'genders' }),
      er('birth_date', 'date', '出生日期', 'Date of birth', opt),
      er('nationality', 'select', '国籍', 'Nationality', { ...opt, codes: 'nationalities' }),
      er('address', 'text', '住址', 'Home address', { ...opt, maxlength: 200 }),
    ],
  },
  {
    id: 'claim',
    section: 'claim',
    title: 'step_claim',
    fields: [
      ec('requests', 'textarea', '请求事项', 'What you ask for', { maxlength: 2000 }),
      ec('facts', 'textarea', '事实与理由', 'Facts and reasons', { maxlength: 10000 }),
      ec('amount', 'amount', '请求金额（元）', 'Amount claimed (yuan)', { ...opt, maxlength: 20 }),
      ec('venue', 'select', '案件提交地', 'Where to mediate', { ...opt, codes: 'venues' }),
      ec('employment_started', 'date', '入职日期', 'First day of work', opt),
      ec('employment_ended', 'date', '离职日期', 'Last day of work', opt),
      ec('dispute_known_on', 'date', '知道权利被侵害的日期', 'Day you learned of the wrong', opt),
    ],
  },
  serviceStep(es),
]

export const FORMS: Record<Kind, FormStep[]> = { worker: WORKER, employer: EMPLOYER }

/** Every step of a kind's application, in order: the notice, its form steps, the evidence, the review. */
export function flow(kind: Kind): string[] {
  return ['notice', ...FORMS[kind].map((s) => s.id), 'evidence', 'review']
}

export function formStep(kind: Kind, id: string): FormStep | undefined {
  return FORMS[kind].find((s) => s.id === id)
}

/** The page of a step. */
export function stepUrl(kind: Kind, id: string): string {
  if (id === 'notice') return `/pages/apply/notice/index?kind=${kind}`
  if (id === 'evidence') return `/pages/apply/evidence/index?kind=${kind}`
  if (id === 'review') return `/pages/apply/review/index?kind=${kind}`
  return `/pages/apply/step/index?kind=${kind}&step=${id}`
}

export function nextStep(kind: Kind, id: string): string | undefined {
  const steps = flow(kind)
  return steps[steps.indexOf(id) + 1]
}

/** The step whose page holds the field an error names (consent.version → notice; evidence → evidence). */
export function stepOfField(kind: Kind, path: string): string {
  if (path.startsWith('consent')) return 'notice'
  if (path.startsWith('evidence')) return 'evidence'
  for (const step of FORMS[kind]) {
    for (const field of step.fields) {
      const key = `${step.section}.${field.name}`
      if (path === key || path.startsWith(key + '.') || path.startsWith(key + '[')) return step.id
    }
  }
  const section = path.split('.')[0]
  const first = FORMS[kind].find((s) => s.section === section)
  return first ? first.id : 'review'
}

/** The key a field's error is shown under: an error on a part of it (address.region_code) is the field's. */
export function fieldKeyOf(step: FormStep, path: string): string | undefined {
  for (const field of step.fields) {
    const key = `${step.section}.${field.name}`
    if (path === key || path.startsWith(key + '.') || path.startsWith(key + '[')) return key
  }
  return undefined
}

export function labelOf(field: Field, which: Lang): string {
  return field.label[which]
}
