// The pages over issues 21c and 23b rendered by miniprogram-simulate, the network answered by fakes: the notice
// asked again on a 409 consent_required (accepted: the step goes on; declined: the step stays with the message),
// where each piece of evidence came from and what it proves, an organisation signing through its legal
// representative with the agent's authorisation uploaded, and 我的数据 (consents, the copy, a correction).
const wx = require('./support/wx')
const { render, settle, tap, type, pick, text } = require('./support/render')
const { routeReference, CASE, ERROR, MY_DATA } = require('./reference-fixtures')

const SERIAL = CASE.serial
const FILE_ID = 'c'.repeat(32)
const CONSENT_REQUIRED = [409, {
  error: { code: 'consent_required', message: '申请须知已更新，请阅读并同意后继续', field: 'consent.version' },
  errors: [{ code: 'consent_required', message: '申请须知已更新，请阅读并同意后继续', field: 'consent.version' }],
  details: { consent: { purpose: 'notice', version: '2026-12', changes: '新增：个人信息的保存期限。' } },
}]

beforeEach(() => {
  wx.reset()
  routeReference(wx.route)
  wx.storage()['session.token'] = { token: 'tok-1', expires: Date.now() + 3600 * 1000 }
  wx.route('GET', '/api/mp/drafts/worker', ERROR(404, 'draft_not_found', '没有草稿'))
})

function consentRoutes() {
  const accepted = []
  let current = false
  wx.route('PUT', '/api/mp/consents/notice', (req) => {
    accepted.push(req.data)
    current = true
    return [200, { notice: { version: '2026-12', accepted_version: '2026-12', accepted_at: '2026-12-07T10:00:00+08:00', current: true, changes: '', history: [] }, optional: [] }]
  })
  const saved = []
  wx.route('PUT', '/api/mp/drafts/worker', (req) => {
    if (!current) return CONSENT_REQUIRED
    saved.push(req.data)
    return [200, { ...req.data, updated_at: '2026-12-07T10:00:00+08:00' }]
  })
  return { accepted, saved }
}

test('a 409 consent_required shows what changed; accepted, the notice is recorded and the step goes on', async () => {
  const { accepted, saved } = consentRoutes()
  const step = await render('pages/apply/step/index', { kind: 'worker', step: 'applicant' })
  await type(step, '#i-applicant-name', '张三')
  await tap(step, '#next')
  expect(wx.calls.modal.map((m) => [m.title, m.content])).toEqual([['申请须知已更新', '新增：个人信息的保存期限。']])
  expect(accepted).toEqual([{ granted: true, version: '2026-12' }])
  expect(saved[0].applicant.name).toBe('张三')
  expect(wx.calls.navigate).toEqual(['/pages/apply/step/index?kind=worker&step=contact'])
})

test('declined, the step stays with what was typed and the refusal says why', async () => {
  const { accepted, saved } = consentRoutes()
  wx.answerModals(false)
  const step = await render('pages/apply/step/index', { kind: 'worker', step: 'applicant' })
  await type(step, '#i-applicant-name', '张三')
  await tap(step, '#next')
  expect(accepted).toEqual([])
  expect(saved).toEqual([])
  expect(wx.calls.navigate).toEqual([])
  expect(text(step, '#problem')).toContain('申请须知已更新')
  expect(wx.storage()['draft.worker'].values.applicant.name).toBe('张三') // kept on the phone
})

test('evidence says where it came from and what it proves; a refused note shows beside its field', async () => {
  const notes = []
  wx.route('PUT', '/api/mp/drafts/worker', (req) => [200, { ...req.data, updated_at: '2026-12-07T10:00:00+08:00' }])
  wx.route('PUT', `/api/mp/files/${FILE_ID}`, (req) => {
    notes.push(req.data)
    if (req.data.source.length > 100) return ERROR(422, 'too_long', '证据来源不能超过100个字', 'source')
    return [200, { id: FILE_ID, name: 'tmp.png', kind: 'image', size: 10, created_at: '2026-12-07T10:00:00+08:00', captured_at: null, ...req.data }]
  })
  wx.storage()['draft.worker'] = { values: { kind: 'worker', evidence: [FILE_ID] }, pending: false, files: [{ id: FILE_ID, name: '工资条.png', kind: 'image', size: 10, created_at: '2026-12-07T10:00:00+08:00', captured_at: null, source: '', proves: '' }] }
  wx.route('GET', '/api/mp/drafts/worker', [200, { kind: 'worker', evidence: [FILE_ID], updated_at: '2026-12-07T10:00:00+08:00' }])
  const page = await render('pages/apply/evidence/index', { kind: 'worker' })
  expect(page.dom.textContent).toContain('工资条.png')
  await type(page, '#source-0', '单'.repeat(101))
  await type(page, '#proves-0', '2026年8月至10月未发工资')
  await tap(page, '#next')
  expect(text(page, '#e-source-0')).toBe('证据来源不能超过100个字')
  expect(wx.calls.navigate).toEqual([])
  await type(page, '#source-0', '单位发放的工资条')
  await tap(page, '#next')
  expect(notes.pop()).toEqual({ source: '单位发放的工资条', proves: '2026年8月至10月未发工资' })
  expect(wx.calls.navigate).toEqual(['/pages/apply/review/index?kind=worker'])
  expect(wx.storage()['draft.worker'].files[0]).toMatchObject({ name: '工资条.png', source: '单位发放的工资条' })
})

test('an organisation signs through its legal representative; the agent\'s authorisation is uploaded for the mediator', async () => {
  const base = `/api/mp/respondent/cases/${SERIAL}`
  const agreement = { version: 2, terms: [{ text: '支付工资', amount: '12000.00', due_date: '2026-12-31', method: '转账', category: 'wages' }], signatures: {}, missing: ['respondent'] }
  let signed = null
  const evidence = []
  const notes = []
  wx.route('GET', `${base}/page`, () => [200, { case: { ...CASE, status: 'signing', agreement }, can_sign: !signed, signing_for: { legal_representative: '王五', agent: '' } }])
  wx.route('POST', `${base}/signature`, (req) => { signed = req.data; return [201, {}] })
  wx.route('POST', `${base}/evidence`, (req) => { evidence.push(req.data); return [200, CASE] })
  wx.route('PUT', /^\/api\/mp\/files\/[0-9a-f]{32}$/, (req) => { notes.push(req.data); return [200, {}] })
  wx.choose(['/tmp/授权委托书.pdf'])
  const page = await render('pages/cases/sign/index', { serial: SERIAL, role: 'respondent' })
  expect(text(page, '#capacity-legal_representative')).toBe('法定代表人：王五')
  expect(page.querySelector('#capacity-agent')).toBeFalsy() // no authorisation recorded yet
  expect(text(page, '#agent-missing')).toContain('授权委托书')
  await tap(page, '#authority')
  expect(wx.calls.uploads).toHaveLength(1)
  expect(evidence).toEqual([{ file_ids: ['a'.repeat(31) + '1'] }])
  expect(notes).toEqual([{ source: '', proves: '授权委托书' }])
  expect(text(page, '#authority-uploaded')).toContain('调解员核对后')
  page.querySelector('#pad').dispatchEvent('touchstart', { touches: [{ x: 10, y: 10 }] })
  page.querySelector('#pad').dispatchEvent('touchmove', { touches: [{ x: 60, y: 30 }] })
  page.querySelector('#pad').dispatchEvent('touchend')
  await settle(page)
  await tap(page, '#submit')
  expect(signed).toEqual({ version: 2, image: 'data:image/png;base64,iVBORw0KGgo=', capacity: 'legal_representative' })
})


test('我的数据: what is held and who looked; a consent given at once; the copy; a correction with its problem beside it', async () => {
  let survey = 'none'
  const asked = []
  const deleted = []
  wx.route('GET', '/api/mp/me', () => [200, { ...MY_DATA, consents: { ...MY_DATA.consents, optional: [{ ...MY_DATA.consents.optional[0], state: survey }] } }])
  wx.route('PUT', '/api/mp/consents/survey', (req) => { survey = req.data.granted ? 'granted' : 'withdrawn'; return [200, MY_DATA.consents] })
  wx.route('POST', '/api/mp/me/deletions', (req) => { deleted.push(req.data.target); return [200, { deleted: req.data.target }] })
  wx.route('POST', '/api/mp/me/corrections', (req) => {
    asked.push(req.data)
    if (!req.data.value) return ERROR(422, 'required', '请填写正确的内容', 'value')
    return [201, { serial: SERIAL, id: 'd'.repeat(32), role: 'applicant', field: req.data.field, value: req.data.value, reason: '', requested_at: '2026-12-07T10:00:00+08:00', due: '2026-12-28', due_provisional: false, state: 'open', answer: null }]
  })
  const page = await render('pages/me/index')
  expect(text(page, '#person')).toBe('张三 · 3101**********0011')
  expect(text(page, '#case-0')).toBe(`${SERIAL} · 已受理`)
  expect(text(page, '#view-0')).toBe(`2026-11-23 09:00 调解员 李明 · 查看案件 · ${SERIAL}`)
  await tap(page, '#toggle-survey')
  expect(text(page, '#consent-survey')).toContain('已同意')
  expect(text(page, '#consent-survey')).toContain('撤回同意')
  await tap(page, '#copy')
  expect(wx.calls.downloads[0].url).toContain('/api/mp/me/copy?format=pdf')
  expect(wx.calls.opened).toHaveLength(1)
  await tap(page, '#delete-draft-employer')
  expect(deleted).toEqual(['draft:employer'])
  await pick(page, '#field', 1)
  await tap(page, '#correct')
  expect(text(page, '#e-value')).toBe('请填写正确的内容')
  await type(page, '#value', '上海市浦东新区川沙路200号')
  await tap(page, '#correct')
  expect(asked.pop()).toEqual({ serial: SERIAL, field: 'address', value: '上海市浦东新区川沙路200号' })
  expect(text(page, '#sent')).toBe('已提交，将在15个工作日内答复（2026-12-28前）')
})
