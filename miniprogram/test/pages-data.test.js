// The pages over issue 21c rendered by miniprogram-simulate, the network answered by fakes: where each piece of
// evidence came from and what it proves, an organisation signing through its legal representative with the agent's
// authorisation uploaded.
const wx = require('./support/wx')
const { render, settle, tap, type, text } = require('./support/render')
const { routeReference, CASE, ERROR } = require('./reference-fixtures')

const SERIAL = CASE.serial
const FILE_ID = 'c'.repeat(32)

beforeEach(() => {
  wx.reset()
  routeReference(wx.route)
  wx.storage()['session.token'] = { token: 'tok-1', expires: Date.now() + 3600 * 1000 }
  wx.route('GET', '/api/mp/drafts/worker', ERROR(404, 'draft_not_found', '没有草稿'))
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
