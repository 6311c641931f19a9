// The pages after applying, and the guidance, rendered by miniprogram-simulate: 我的申请, one case with its
// timeline, the clarified items confirmed or questioned, signing on the canvas, documents opened, the respondent's
// invitation, code and answer, the calculator, the triage, and the account page's language and 大字版.
const wx = require('./support/wx')
const { render, settle, tap, type, pick, text } = require('./support/render')
const { routeReference, CASE, ERROR } = require('./reference-fixtures')

const SERIAL = CASE.serial

beforeEach(() => {
  wx.reset()
  routeReference(wx.route)
})

test('我的申请 lists the applications and opens one', async () => {
  wx.route('GET', '/api/mp/applications', [200, { items: [CASE] }])
  wx.route('GET', '/api/mp/respondent/cases', [200, { items: [] }])
  const page = await render('pages/cases/list/index')
  expect(page.dom.textContent).toContain(SERIAL)
  expect(page.dom.textContent).toContain('待确认请求事项')
  await tap(page, `#case-${SERIAL}`)
  expect(wx.calls.navigate).toEqual([`/pages/cases/detail/index?serial=${SERIAL}`])
})

test('one case shows its timeline and what is asked of the person; grants from a tap', async () => {
  wx.route('GET', `/api/mp/applications/${SERIAL}`, [200, CASE])
  const page = await render('pages/cases/detail/index', { serial: SERIAL })
  expect(text(page, '#serial')).toBe(SERIAL)
  expect(text(page, '#event-1')).toContain('调解员整理请求事项')
  expect(page.querySelector('#clarified')).toBeTruthy()
  expect(page.querySelector('#sign')).toBeFalsy()
  await tap(page, '#subscribe')
  expect(wx.calls.subscribe).toEqual([['MP_SCHEDULE', 'MP_DRAFT_AGREEMENT', 'MP_SETTLE']])
})

test('the clarified items: a change needs a comment (the error beside it), a confirmation goes through', async () => {
  let state = 'pending'
  let answers = []
  wx.route('GET', `/api/mp/applications/${SERIAL}`, () => [200, { ...CASE, clarified: { ...CASE.clarified, state } }])
  wx.route('POST', `/api/mp/applications/${SERIAL}/clarified`, (req) => {
    answers.push(req.data)
    if (req.data.decision === 'change' && !req.data.comment) return ERROR(422, 'required', '请说明需要修改的内容', 'comment')
    state = req.data.decision === 'confirm' ? 'confirmed' : 'change_requested'
    return [200, { ...CASE, clarified: { ...CASE.clarified, state } }]
  })
  const page = await render('pages/cases/clarified/index', { serial: SERIAL })
  expect(page.dom.textContent).toContain('支付2026年8月至10月工资')
  await tap(page, '#change')
  expect(text(page, '#e-comment')).toBe('请说明需要修改的内容')
  await tap(page, '#confirm')
  expect(answers.pop()).toEqual({ version: 1, decision: 'confirm' })
  expect(text(page, '#done')).toBe('已确认')
  expect(page.querySelector('#confirm')).toBeFalsy()
})

test('signing: nothing drawn is refused beside the pad; a drawn signature is sent as a PNG with the version', async () => {
  const agreement = { version: 2, terms: [{ text: '支付工资', amount: '12000.00', due_date: '2026-12-31', method: '转账', category: 'wages' }], signatures: {}, missing: ['applicant'] }
  let signed = null
  wx.route('GET', `/api/mp/applications/${SERIAL}/page`, () => [200, { case: { ...CASE, status: 'signing', agreement: signed ? { ...agreement, signatures: { applicant: { name: '张三', at: '2026-11-30T10:00:00+08:00' } } } : agreement }, can_sign: !signed }])
  wx.route('POST', `/api/mp/applications/${SERIAL}/signature`, (req) => { signed = req.data; return [200, {}] })
  const page = await render('pages/cases/sign/index', { serial: SERIAL, role: 'applicant' })
  expect(text(page, '#term-0')).toContain('支付工资')
  await tap(page, '#submit')
  expect(text(page, '#e-image')).toBe('请先签名')
  page.querySelector('#pad').dispatchEvent('touchstart', { touches: [{ x: 10, y: 10 }] })
  page.querySelector('#pad').dispatchEvent('touchmove', { touches: [{ x: 60, y: 30 }] })
  page.querySelector('#pad').dispatchEvent('touchend')
  await settle(page)
  await tap(page, '#submit')
  expect(signed).toEqual({ version: 2, image: 'data:image/png;base64,iVBORw0KGgo=' })
  expect(text(page, '#signed')).toContain('已签署')
})

test('documents open with wx.openDocument after a download with the token', async () => {
  wx.storage()['session.token'] = { token: 'tok-1', expires: Date.now() + 3600 * 1000 }
  wx.route('GET', `/api/mp/applications/${SERIAL}/documents`, [200, { items: [{ id: 'f'.repeat(32), kind: 'application', title: '调解申请书', version: 1, sm3: 'a', size: 10, issued_at: '2026-11-22T10:00:00+08:00' }] }])
  const page = await render('pages/cases/documents/index', { serial: SERIAL, role: 'applicant' })
  expect(page.dom.textContent).toContain('调解申请书')
  await tap(page, '#open-0')
  expect(wx.calls.downloads[0].url).toContain(`/api/mp/applications/${SERIAL}/documents/${'f'.repeat(32)}?format=pdf`)
  expect(wx.calls.downloads[0].header.Authorization).toBe('Bearer tok-1')
  expect(wx.calls.opened[0]).toMatchObject({ filePath: '/tmp/doc.pdf', fileType: 'pdf' })
})

test("the respondent's way in: the link read, a code sent, a wrong code beside its field, then the case", async () => {
  const token = 'AbCdEfGhIjKlMnOpQr'
  wx.route('GET', `/api/mp/invitations/${SERIAL}/${token}`, [200, { serial: SERIAL, centre: '上海市劳动人事争议调解中心', respondent_name: '上海某某物流有限公司', role: 'respondent', party_name: '上海某某物流有限公司', court: null, phone_masked: '139****4321', can_text: true, answer_due: '2026-12-01', answer_due_provisional: false, claimed: false, status: 'accepted', status_label: '已受理' }])
  wx.route('POST', `/api/mp/invitations/${SERIAL}/${token}/code`, [200, { resend_after: 0 }])
  wx.route('POST', `/api/mp/invitations/${SERIAL}/${token}/claim`, (req) => (req.data.code === '123456' ? [200, CASE] : ERROR(422, 'code_wrong', '验证码不正确', 'code')))
  const page = await render('pages/respondent/invite/index')
  await type(page, '#link', `https://mediation.example.cn/h5/respondent/invitations/${SERIAL}/${token}`)
  await tap(page, '#find')
  expect(text(page, '#invitation')).toContain(SERIAL)
  await tap(page, '#send-code')
  await type(page, '#code', '000000')
  await tap(page, '#claim')
  expect(text(page, '#e-code')).toBe('验证码不正确')
  await type(page, '#code', '123456')
  await tap(page, '#claim')
  expect(wx.calls.navigate).toEqual([`/pages/respondent/case/index?serial=${SERIAL}`])
})

test("the respondent's answer: a proposal without its text is refused beside it, then sent", async () => {
  let answer = null
  const access = { invited_at: '2026-11-23T10:00:00+08:00', answer_due: '2026-12-01', answer_due_provisional: false, claimed: true, claimed_at: null, answer: null, silent: false }
  wx.route('GET', `/api/mp/respondent/cases/${SERIAL}`, () => [200, { case: { ...CASE, role: 'respondent', respondent_access: { ...access, answer: answer && { ...answer, label: '提出方案', at: '2026-11-24T10:00:00+08:00' } } }, can_answer: !answer, can_sign: false }])
  wx.route('POST', `/api/mp/respondent/cases/${SERIAL}/answer`, (req) => {
    if (!req.data.proposal) return ERROR(422, 'required', '请填写方案', 'proposal')
    answer = req.data
    return [200, { ...req.data, label: '提出方案', at: '2026-11-24T10:00:00+08:00' }]
  })
  const page = await render('pages/respondent/case/index', { serial: SERIAL })
  expect(text(page, '#requests')).toContain('支付2026年8月至10月工资')
  await tap(page, '#decision-propose')
  await tap(page, '#send')
  expect(text(page, '#e-proposal')).toBe('请填写方案')
  await type(page, '#proposal', '分两期支付')
  await type(page, '#amount', '10000')
  await tap(page, '#send')
  expect(answer).toEqual({ decision: 'propose', proposal: '分两期支付', amount: '10000' })
  expect(text(page, '#answered')).toContain('提出方案')
})

test('the calculator shows the amount and its steps, and an error beside its field', async () => {
  wx.route('POST', '/api/calculator', (req) =>
    req.data.monthly_wage
      ? [200, { kind: 'notice_pay', amount: '8000.00', months: '1', basis: ['劳动合同法第四十条'], articles: [], steps: ['一个月工资：8000.00 元'], assumptions: [], missing_figures: [], claim_item: '支付代通知金8000元' }]
      : ERROR(422, 'required', '请填写月工资', 'monthly_wage'))
  const page = await render('pages/guide/calculator/index')
  await pick(page, '#kind', 5)
  await tap(page, '#compute')
  expect(text(page, '#e-monthly_wage')).toBe('请填写月工资')
  await type(page, '#i-monthly_wage', '8000')
  await tap(page, '#compute')
  expect(text(page, '#amount')).toBe('8000.00')
  expect(page.dom.textContent).toContain('一个月工资')
})

test('the triage walks its tree to an end that leads to applying', async () => {
  wx.route('GET', '/api/triage', [200, {
    start: 'relationship',
    escape: 'end_none',
    nodes: {
      relationship: { kind: 'choice', question: { zh: '您是为对方工作吗？', en: 'Do you work for them?' }, options: [{ value: 'yes', label: { zh: '是', en: 'Yes' }, next: 'known_date' }] },
      known_date: { kind: 'date', rule: 'limitation', question: { zh: '哪一天知道的？', en: 'When?' }, next: { within: 'end_apply', beyond: 'end_time_barred' } },
      end_apply: { kind: 'end', title: { zh: '可以申请调解', en: 'You can apply' }, text: { zh: '调解免费。', en: 'Free.' }, actions: ['apply', 'calculator'] },
      end_time_barred: { kind: 'end', title: { zh: '可能已超过时效', en: 'Too late?' }, text: { zh: '……', en: '...' }, actions: ['apply'] },
      end_none: { kind: 'end', title: { zh: '没有合适的选项？', en: 'None?' }, text: { zh: '……', en: '...' }, actions: ['apply'] },
    },
  }])
  const page = await render('pages/guide/triage/index')
  expect(text(page, '#question')).toBe('您是为对方工作吗？')
  await tap(page, '#option-yes')
  await pick(page, '#date', '2000-01-01')
  await tap(page, '#continue')
  expect(text(page, '#question')).toBe('可能已超过时效')
  await tap(page, '#back')
  await pick(page, '#date', new Date().toISOString().slice(0, 10))
  await tap(page, '#continue')
  expect(text(page, '#question')).toBe('可以申请调解')
  await tap(page, '#apply')
  expect(wx.calls.navigate).toEqual(['/pages/apply/notice/index?kind=worker'])
})

test('the account page signs in and out, switches to English and to the large display', async () => {
  let signedOut = false
  wx.route('DELETE', '/api/mp/session', () => { signedOut = true; return [204] })
  const page = await render('pages/account/index')
  expect(text(page, '#state')).toBe('未登录')
  await tap(page, '#sign-in')
  expect(text(page, '#state')).toBe('已登录')
  await tap(page, '#sign-out')
  expect(signedOut).toBe(true)
  expect(text(page, '#state')).toBe('未登录')
  await tap(page, '#lang-en')
  expect(text(page, '#state')).toBe('Not signed in')
  await type(page, '#large', true)
  expect(page.dom.firstChild.getAttribute('class')).toContain('large')
  const home = await render('pages/index/index')
  expect(text(home, '#title')).toBe('Labour dispute mediation online')
  expect(home.dom.firstChild.getAttribute('class')).toContain('large')
  // the API is asked in English too
  wx.route('GET', '/api/mp/applications', [200, { items: [] }])
  wx.route('GET', '/api/mp/respondent/cases', [200, { items: [] }])
  await render('pages/cases/list/index')
  expect(wx.requests().pop().header['Accept-Language']).toBe('en')
})
