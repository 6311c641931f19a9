// Small answers of the reference endpoints for page tests (the real ones are checked against the server in
// test/client.test.js).
const REFERENCE = {
  id_types: [{ code: 'resident_id', label: '居民身份证' }, { code: 'passport', label: '护照' }],
  nationalities: [{ code: 'CHN', label: '中国' }],
  genders: [{ code: 'male', label: '男' }, { code: 'female', label: '女' }],
  educations: [{ code: 'high_school', label: '高中' }],
  industries: [{ code: 'G', label: '交通运输、仓储和邮政业' }],
  natures: [{ code: 'private', label: '私营企业' }],
  venues: [{ code: 'employer_location', label: '用人单位所在地' }],
}
const REGIONS = { parent: null, source: 'test', items: [{ code: '310000', name: '上海市', level: 'province', leaf: false }] }
const NOTICE = { version: '2026-01', title: '申请须知', text: '一、调解免费。', paragraphs: ['一、调解免费。', '二、如实填写。'] }

function routeReference(route) {
  route('GET', '/api/reference', [200, REFERENCE])
  route('GET', '/api/regions', [200, REGIONS])
  route('GET', '/api/notice', [200, NOTICE])
  route('POST', '/api/mp/session', [200, { token: 'tok-1', expires_in: 7200 }])
}

module.exports = { REFERENCE, REGIONS, NOTICE, routeReference }

const CASE = {
  serial: '20261122000171',
  kind: 'worker',
  status: 'clarifying',
  status_label: '待确认请求事项',
  cause: null,
  mediator: '李明',
  next_session_at: null,
  centre: '上海市劳动人事争议调解中心',
  respondent_name: '上海某某物流有限公司',
  created_at: '2026-11-22T10:00:00+08:00',
  updated_at: '2026-11-22T11:00:00+08:00',
  claim: { amount: '12000.00', requests: '支付2026年8月至10月工资12000元', facts: '未付工资' },
  timeline: [
    { at: '2026-11-22T10:00:00+08:00', action: 'submit', label: '提交申请', status: 'submitted', status_label: '已提交', by: 'applicant' },
    { at: '2026-11-22T11:00:00+08:00', action: 'push_clarified', label: '调解员整理请求事项', status: 'clarifying', status_label: '待确认请求事项', note: '第1版', by: 'staff' },
  ],
  clarified: {
    version: 1,
    state: 'pending',
    comment: '',
    pushed_at: '2026-11-22T11:00:00+08:00',
    items: [{ number: 1, cause_code: '05-01', cause_label: '拖欠工资', cause_level1_label: '劳动报酬', text: '支付2026年8月至10月工资', amount: '12000.00', arbitrable: true, cause_warning: '' }],
  },
  agreement: null,
  closed: false,
}

const ERROR = (status, code, message, field = '') => [status, { error: { code, message, field }, errors: [{ code, message, field }] }]

module.exports.CASE = CASE
module.exports.ERROR = ERROR

// 我的数据 as GET /api/mp/me answers it (issue 23), for the page tests.
const MY_DATA = {
  person_id: 'p1', generated_at: '2026-12-07T10:00:00+08:00',
  person: { created_at: '2026-11-01T10:00:00+08:00', verified: true, verified_via: 'sms', verified_at: null, name: '张三', id_type: 'resident_id', id_number: '3101**********0011' },
  sign_ins: [], account: null,
  cases: [{ serial: CASE.serial, role: 'applicant', kind: 'worker', status: 'accepted', status_label: '已受理', centre: '上海市劳动人事争议调解中心', created_at: '2026-11-22T10:00:00+08:00', updated_at: '2026-11-22T10:00:00+08:00', particulars: {}, claim: null, consent: null, timeline: [], notifications: [] }],
  corrections: [],
  files: [{ id: 'c'.repeat(32), name: '工资条.png', kind: 'image', size: 10, uploaded_at: '2026-11-22T09:00:00+08:00', in_a_case: false }],
  drafts: [{ kind: 'employer', updated_at: '2026-12-01T09:00:00+08:00' }],
  consents: { notice: { version: '2026-01', accepted_version: '2026-01', accepted_at: null, current: true, changes: '', history: [] }, optional: [{ purpose: 'survey', title: '回访', text: '调解结束后中心可以回访。', version: '2026-01', sensitive: false, state: 'none', granted_version: null, changes: '', history: [] }] },
  subscriptions: {},
  views: [{ at: '2026-11-23T09:00:00+08:00', role: 'mediator', viewer: '调解员', centre: '上海市劳动人事争议调解中心', name: '李明', action: 'case', action_label: '查看案件', serial: CASE.serial }],
  pending: [],
  correctable: { [CASE.serial]: [{ field: 'phone', label: '手机号码' }, { field: 'address', label: '住址' }] },
  correction_days: 15, proof_mobile: '138****5678',
}

module.exports.MY_DATA = MY_DATA
