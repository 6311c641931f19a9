// The pages of the second part (issue 21's ends and service) rendered by miniprogram-simulate, the network answered
// by fakes: the 送达地址确认书 as a step of the application and on its own page (errors beside their fields, what was
// served listed), withdrawing, the end with its notice and the arbitration application in one tap, the documents
// with their service and the download recorded, and the buttons that lead there from a case.
const wx = require('./support/wx')
const { render, tap, type, emit, text } = require('./support/render')
const { routeReference, CASE, ERROR } = require('./reference-fixtures')

const SERIAL = CASE.serial
const APP = `/api/mp/applications/${SERIAL}`
const NOTICE_ID = 'e'.repeat(32)
const ARBITRATION_ID = 'a'.repeat(32)

const RECORD = {
  key: `n1-applicant`, item: 'notice', kind: 'submitted', title: '申请已提交', party: 'applicant', party_label: '申请人',
  state: 'served', state_label: '已送达', needs_paper: false, created_at: '2026-11-22T10:00:00+08:00',
  sent_at: '2026-11-22T10:00:05+08:00', channel: 'wechat_mp_subscribe', channel_label: '小程序订阅消息', failed_at: null,
  error: '', opened_at: '2026-11-22T10:05:00+08:00', downloaded_at: null, served_at: '2026-11-22T10:00:05+08:00', paper: null,
}
const WITHDRAWN = {
  end: 'withdrawn',
  lines: ['您已撤回调解申请，调解终止。', '撤回申请不影响您申请仲裁。', '请最迟于2027-11-20向劳动人事争议仲裁委员会提出仲裁申请。'],
  last_day: '2027-11-20', returns: '', partner: '', partner_case_no: '', may_arbitrate: true, notice: NOTICE_ID,
}

function page(extra = {}) {
  return {
    case: { ...CASE, status: 'withdrawn', status_label: '已撤回', closed: true, outcome: { kind: 'withdrawn', reason: '已和解', at: '2026-11-23T10:00:00+08:00' } },
    can_answer: false, can_sign: false, may_arbitrate: false, party_kinds: ['arbitration'], routes: [], end: null,
    limitation: { text: '仲裁时效期间为一年。', provisional: false }, service: [], service_consent: null, ...extra,
  }
}

beforeEach(() => {
  wx.reset()
  routeReference(wx.route)
  wx.storage()['session.token'] = { token: 'tok-1', expires: Date.now() + 3600 * 1000 }
})

test('the application asks for the address for service on its own step; a refused address shows beside it', async () => {
  const saved = []
  wx.route('GET', '/api/mp/drafts/worker', ERROR(404, 'draft_not_found', '没有草稿'))
  wx.route('PUT', '/api/mp/drafts/worker', (req) => {
    saved.push(req.data)
    if (!(req.data.service || {}).address) return ERROR(422, 'required', '请填写送达地址', 'service.address')
    return [200, { ...req.data, updated_at: '2026-11-22T10:00:00+08:00' }]
  })
  const step = await render('pages/apply/step/index', { kind: 'worker', step: 'service' })
  expect(text(step, '#title')).toBe('送达地址')
  expect(text(step, '#intro')).toContain('电子送达')
  expect(text(step, '#l-service-electronic')).toBe('同意通过本平台电子送达')
  await tap(step, '#next')
  expect(text(step, '#e-service-address')).toBe('请填写送达地址')
  expect(wx.calls.navigate).toEqual([])
  await emit(step, '#i-service-electronic', { value: true })
  await type(step, '#i-service-address', '上海市浦东新区川沙路100号')
  await tap(step, '#next')
  expect(saved.pop().service).toEqual({ electronic: true, address: '上海市浦东新区川沙路100号', recipient: '' })
  expect(wx.calls.navigate).toEqual(['/pages/apply/evidence/index?kind=worker'])
})

test('the service page: the consent given, changed with an error beside its field, and what was served', async () => {
  const sent = []
  let consent = null
  wx.route('GET', `${APP}/page`, () => [200, page({ service: [RECORD], service_consent: consent })])
  wx.route('POST', `${APP}/service`, (req) => {
    sent.push(req.data)
    if (!req.data.address.trim()) return ERROR(422, 'required', '请填写送达地址', 'address')
    consent = { ...req.data, recipient: req.data.recipient || '', given_at: '2026-11-24T09:00:00+08:00', label: req.data.electronic ? '同意电子送达' : '不同意电子送达' }
    return [200, page({ service: [{ ...RECORD, state: 'refused', state_label: '不同意电子送达，需另行送达', needs_paper: !req.data.electronic }], service_consent: consent })]
  })
  const comp = await render('pages/cases/service/index', { serial: SERIAL, role: 'applicant' })
  expect(text(comp, '#given')).toBe('尚未确认送达地址')
  expect(text(comp, '#record-0')).toContain('申请已提交')
  expect(text(comp, '#record-0')).toContain('已送达')
  expect(text(comp, '#record-0')).toContain('已查看 2026-11-22 10:05')
  await tap(comp, '#save')
  expect(text(comp, '#e-address')).toBe('请填写送达地址')
  await type(comp, '#address', '川沙路100号')
  await type(comp, '#recipient', '张三')
  await tap(comp, '#save')
  expect(sent.pop()).toEqual({ electronic: false, address: '川沙路100号', recipient: '张三' })
  expect(comp.querySelector('#e-address')).toBeFalsy()
  expect(text(comp, '#given')).toBe('已确认：不同意电子送达（2026-11-24 09:00）')
  expect(text(comp, '#record-0')).toContain('需另行送达')
})

test('withdrawing: the reason is required beside its field; once withdrawn, the end page', async () => {
  const bodies = []
  wx.route('POST', `${APP}/withdraw`, (req) => {
    bodies.push(req.data)
    if (!req.data.reason) return ERROR(422, 'required', '请填写撤回原因', 'reason')
    return [200, page().case]
  })
  const comp = await render('pages/cases/withdraw/index', { serial: SERIAL })
  expect(text(comp, '#intro')).toContain('不影响您申请劳动争议仲裁的权利')
  await tap(comp, '#withdraw')
  expect(wx.calls.modal).toHaveLength(1) // asked to be sure first
  expect(text(comp, '#e-reason')).toBe('请填写撤回原因')
  await type(comp, '#reason', '已与单位和解')
  await tap(comp, '#withdraw')
  expect(bodies.pop()).toEqual({ reason: '已与单位和解' })
  expect(wx.calls.navigate).toEqual([`/pages/cases/end/index?serial=${SERIAL}&role=applicant`])
})

test('the end: its lines, the withdrawal notice opened, the arbitration application made and opened in one tap', async () => {
  const made = []
  wx.route('GET', `${APP}/page`, [200, page({ end: WITHDRAWN, may_arbitrate: true })])
  wx.route('POST', `${APP}/papers/arbitration`, () => {
    made.push('arbitration')
    return [201, { id: ARBITRATION_ID, kind: 'arbitration', title: '劳动人事争议仲裁申请书', version: 1, sm3: 'a', size: 10, issued_at: '2026-11-23T10:01:00+08:00', download: `${APP}/documents/${ARBITRATION_ID}`, service: null }]
  })
  const comp = await render('pages/cases/end/index', { serial: SERIAL, role: 'applicant' })
  expect(comp.dom.textContent).toContain('已撤回')
  expect(text(comp, '#line-0')).toBe('您已撤回调解申请，调解终止。')
  expect(text(comp, '#end')).toContain('2027-11-20')
  expect(text(comp, '#limitation')).toBe('仲裁时效期间为一年。')
  await tap(comp, '#notice')
  expect(wx.calls.downloads[0].url).toContain(`${APP}/documents/${NOTICE_ID}?format=pdf`)
  expect(wx.calls.downloads[0].header.Authorization).toBe('Bearer tok-1')
  expect(wx.calls.opened).toHaveLength(1)
  await tap(comp, '#arbitration')
  expect(made).toEqual(['arbitration'])
  expect(text(comp, '#arbitration-ready')).toBe('仲裁申请书已生成：劳动人事争议仲裁申请书')
  expect(wx.calls.downloads[1].url).toContain(`${APP}/documents/${ARBITRATION_ID}?format=pdf`)
  expect(wx.calls.opened).toHaveLength(2)
})

test("the end on the respondent's side: no arbitration button; a notice not yet made says so", async () => {
  const base = `/api/mp/respondent/cases/${SERIAL}`
  wx.route('GET', `${base}/page`, [200, page({ end: { ...WITHDRAWN, lines: ['申请人已撤回调解申请，调解终止。'], may_arbitrate: false, last_day: null }, limitation: null })])
  wx.planDownloads([404]) // the notice is issued right after the end: not there yet
  const comp = await render('pages/cases/end/index', { serial: SERIAL, role: 'respondent' })
  expect(text(comp, '#line-0')).toBe('申请人已撤回调解申请，调解终止。')
  expect(comp.querySelector('#arbitration')).toBeFalsy()
  expect(comp.querySelector('#limitation')).toBeFalsy()
  await tap(comp, '#notice')
  expect(text(comp, '#problem')).toBe('调解终止通知书正在生成，请稍后刷新。')
  expect(wx.calls.opened).toEqual([])
})

test('documents show their service on the person; opening one reads the list again with the download', async () => {
  let downloaded = null
  const doc = () => ({ id: NOTICE_ID, kind: 'termination_notice', title: '调解终止通知书', version: 1, sm3: 'a', size: 10, issued_at: '2026-11-23T10:00:00+08:00', service: { ...RECORD, item: 'document', title: '调解终止通知书', downloaded_at: downloaded } })
  wx.route('GET', `${APP}/documents`, () => [200, { items: [doc()] }])
  const comp = await render('pages/cases/documents/index', { serial: SERIAL, role: 'applicant' })
  expect(text(comp, '#served-0')).toBe('已送达')
  downloaded = '2026-11-23T11:00:00+08:00' // the server records the download
  await tap(comp, '#open-0')
  expect(wx.calls.opened).toHaveLength(1)
  expect(text(comp, '#served-0')).toBe('已送达 · 已下载 2026-11-23 11:00')
})

test('a case leads to its end, its service and withdrawing as it stands', async () => {
  wx.route('GET', APP, [200, CASE])
  const open = await render('pages/cases/detail/index', { serial: SERIAL })
  expect(open.querySelector('#end')).toBeFalsy()
  await tap(open, '#withdraw')
  await tap(open, '#service')
  expect(wx.calls.navigate).toEqual([`/pages/cases/withdraw/index?serial=${SERIAL}`, `/pages/cases/service/index?serial=${SERIAL}&role=applicant`])
  wx.calls.navigate.length = 0
  wx.route('GET', APP, [200, page().case])
  const ended = await render('pages/cases/detail/index', { serial: SERIAL })
  expect(ended.querySelector('#withdraw')).toBeFalsy()
  await tap(ended, '#end')
  expect(wx.calls.navigate).toEqual([`/pages/cases/end/index?serial=${SERIAL}&role=applicant`])
})

test("the respondent's first visit gives the 送达地址确认书 with the claim; its problem beside its field", async () => {
  const token = 'AbCdEfGhIjKlMnOpQr'
  const claims = []
  wx.route('GET', `/api/mp/invitations/${SERIAL}/${token}`, [200, { serial: SERIAL, centre: '上海市劳动人事争议调解中心', respondent_name: '上海某某物流有限公司', role: 'respondent', party_name: '上海某某物流有限公司', court: null, phone_masked: '139****4321', can_text: true, answer_due: '2026-12-01', answer_due_provisional: false, claimed: false, status: 'accepted', status_label: '已受理' }])
  wx.route('POST', `/api/mp/invitations/${SERIAL}/${token}/claim`, (req) => {
    claims.push(req.data)
    if (req.data.service && !req.data.service.address) return ERROR(422, 'required', '请填写送达地址', 'service.address')
    return [200, CASE]
  })
  const comp = await render('pages/respondent/invite/index', { serial: SERIAL, token })
  await type(comp, '#code', '123456')
  await emit(comp, '#electronic', { value: true })
  await tap(comp, '#claim')
  expect(text(comp, '#e-service-address')).toBe('请填写送达地址')
  await type(comp, '#address', '上海市浦东新区川沙路100号')
  await tap(comp, '#claim')
  expect(claims.pop()).toEqual({ code: '123456', service: { electronic: true, address: '上海市浦东新区川沙路100号', recipient: null } })
  expect(wx.calls.navigate).toEqual([`/pages/respondent/case/index?serial=${SERIAL}`])
})
