// The guided application's pages rendered by miniprogram-simulate (render, tap, assert what shows), the network
// answered by fakes: the notice, a form step with the API's errors beside their fields, a network loss that keeps
// the typed values, an expired session, evidence with progress and a retried upload, the review's submission
// with its subscribe-message grants, and the serial at once.
const wx = require('./support/wx')
const { render, tap, type, emit, pick, text } = require('./support/render')
const { routeReference, ERROR, NOTICE } = require('./reference-fixtures')

let saved = []

beforeEach(() => {
  wx.reset()
  routeReference(wx.route)
  saved = []
  wx.route('GET', '/api/mp/drafts/worker', ERROR(404, 'draft_not_found', '没有草稿'))
  wx.route('PUT', '/api/mp/drafts/worker', (req) => {
    saved.push(req.data)
    return [200, { ...req.data, updated_at: '2026-11-22T10:00:00+08:00' }]
  })
})

test('the notice must be accepted before going on, then its version is kept', async () => {
  const page = await render('pages/apply/notice/index', { kind: 'worker' })
  expect(text(page, '#title')).toBe('申请须知')
  expect(page.dom.textContent).toContain('二、如实填写。')
  await tap(page, '#next')
  expect(text(page, '#e-consent')).toBe('请先阅读并同意申请须知')
  expect(wx.calls.navigate).toEqual([])
  await emit(page, '#accept', { checked: true })
  await tap(page, '#next')
  expect(saved[0].consent).toEqual({ version: NOTICE.version, accepted: true })
  expect(wx.calls.navigate).toEqual(['/pages/apply/step/index?kind=worker&step=applicant'])
})

test('a step shows its fields with their labels, keeps what is typed and chosen, and goes on', async () => {
  const page = await render('pages/apply/step/index', { kind: 'worker', step: 'applicant' })
  expect(text(page, '#title')).toBe('申请人')
  expect(text(page, '#l-applicant-name')).toBe('姓名')
  await type(page, '#i-applicant-name', '张三')
  await pick(page, '#i-applicant-gender', 1)
  expect(text(page, '#i-applicant-gender')).toBe('女')
  await tap(page, '#next')
  expect(saved[0].applicant).toMatchObject({ name: '张三', gender: 'female' })
  expect(wx.calls.navigate).toEqual(['/pages/apply/step/index?kind=worker&step=contact'])
})

test('a refused field shows its message beside it, and the person stays on the step', async () => {
  wx.route('PUT', '/api/mp/drafts/worker', ERROR(422, 'too_long', '姓名不能超过50个字', 'applicant.name'))
  const page = await render('pages/apply/step/index', { kind: 'worker', step: 'applicant' })
  await type(page, '#i-applicant-name', '张'.repeat(60))
  await tap(page, '#next')
  expect(text(page, '#e-applicant-name')).toBe('姓名不能超过50个字')
  expect(text(page, '#problem')).toContain('请按提示修改')
  expect(wx.calls.navigate).toEqual([])
})

test('a network loss keeps the typed values on the phone and the step goes on; they are sent later', async () => {
  wx.route('PUT', '/api/mp/drafts/worker', [null])
  const page = await render('pages/apply/step/index', { kind: 'worker', step: 'contact' })
  await type(page, '#i-applicant-phone', '13812345678')
  await tap(page, '#next')
  expect(text(page, '#banner')).toContain('已在本机保存')
  expect(wx.calls.navigate).toEqual(['/pages/apply/step/index?kind=worker&step=respondent'])
  expect(wx.storage()['draft.worker'].values.applicant.phone).toBe('13812345678')
  expect(wx.storage()['draft.worker'].pending).toBe(true)

  wx.route('PUT', '/api/mp/drafts/worker', (req) => { saved.push(req.data); return [200, req.data] })
  const again = await render('pages/apply/step/index', { kind: 'worker', step: 'contact' })
  expect(saved.map((s) => s.applicant.phone)).toEqual(['13812345678']) // sent once the network was back
  expect(again.instance.data.fields.find((f) => f.key === 'applicant.phone').value).toBe('13812345678') // shown as typed
  expect(wx.storage()['draft.worker'].pending).toBe(false)
})

test('an expired session signs in again without losing the step', async () => {
  wx.storage()['session.token'] = { token: 'old', expires: Date.now() + 3600 * 1000 }
  let tries = 0
  wx.route('PUT', '/api/mp/drafts/worker', (req) => {
    tries += 1
    if (req.header.Authorization === 'Bearer old') return ERROR(401, 'token_expired', '登录已过期')
    saved.push(req.data)
    return [200, req.data]
  })
  const page = await render('pages/apply/step/index', { kind: 'worker', step: 'applicant' })
  await type(page, '#i-applicant-name', '张三')
  await tap(page, '#next')
  expect(tries).toBe(2)
  expect(saved[0].applicant.name).toBe('张三')
  expect(wx.storage()['session.token'].token).toBe('tok-1')
  expect(wx.calls.navigate).toEqual(['/pages/apply/step/index?kind=worker&step=contact'])
})

test('evidence uploads show their progress; a failed upload says why and can be retried', async () => {
  wx.planUploads(['fail', 'ok', 'ok'])
  wx.choose(['/tmp/a.jpg', '/tmp/b.jpg'])
  const page = await render('pages/apply/evidence/index', { kind: 'worker' })
  await tap(page, '#add-photo')
  expect(text(page, '#e-file-0')).toContain('上传失败')
  expect(page.dom.textContent).toContain('已上传')
  await tap(page, '#retry-0')
  expect(page.querySelector('#e-file-0')).toBeFalsy()
  expect(wx.calls.uploads).toHaveLength(3)
  await tap(page, '#next')
  expect(saved[saved.length - 1].evidence).toHaveLength(2)
  expect(wx.calls.navigate).toEqual(['/pages/apply/review/index?kind=worker'])
})

test('the review submits with the grants asked from the tap, and field problems go back to their steps', async () => {
  wx.storage()['draft.worker'] = { values: { kind: 'worker', applicant: { name: '张三', gender: 'male' } }, pending: false, files: [] }
  wx.route('POST', '/api/mp/drafts/worker/submit', ERROR(422, 'invalid', '身份证号码校验位不正确，请核对', 'applicant.id_number'))
  const page = await render('pages/apply/review/index', { kind: 'worker' })
  expect(page.dom.textContent).toContain('张三')
  expect(page.dom.textContent).toContain('男')
  await tap(page, '#submit')
  expect(wx.calls.subscribe[0]).toEqual(['MP_SUBMITTED', 'MP_CLARIFY_PUSHED', 'MP_ACCEPT'])
  expect(text(page, '#problem')).toBe('请按提示修改标出的内容')
  expect(page.dom.textContent).toContain('身份证号码校验位不正确')
  const step = await render('pages/apply/step/index', { kind: 'worker', step: 'applicant' })
  expect(text(step, '#e-applicant-id_number')).toBe('身份证号码校验位不正确，请核对')

  wx.acceptSubscriptions(['MP_SUBMITTED'])
  let granted = null
  wx.route('POST', '/api/mp/subscriptions', (req) => { granted = req.data; return [200, { grants: { MP_SUBMITTED: 1 } }] })
  wx.route('POST', '/api/mp/drafts/worker/submit', (req) => [201, { serial: '20261122000171', key: req.header['Idempotency-Key'] }])
  await tap(page, '#submit')
  expect(granted).toEqual({ template_ids: ['MP_SUBMITTED'] })
  expect(wx.calls.navigate.pop()).toBe('/pages/apply/done/index?serial=20261122000171')
  expect(wx.storage()['draft.worker']).toBeUndefined()
})

test('the serial shows at once', async () => {
  const page = await render('pages/apply/done/index', { serial: '20261122000171' })
  expect(text(page, '#serial')).toBe('20261122000171')
  await tap(page, '#view-case')
  expect(wx.calls.navigate).toEqual(['/pages/cases/detail/index?serial=20261122000171'])
})
