const wx = require('./support/wx')
const { render, tap, type, pick, text, dump } = require('./support/render')
const { routeReference } = require('./reference-fixtures')

beforeEach(() => {
  wx.reset()
  routeReference(wx.route)
})

test('a step shows its fields with labels, keeps what is typed and goes on', async () => {
  wx.route('GET', '/api/mp/drafts/worker', [404, { error: { code: 'draft_not_found', message: '没有草稿', field: '' }, errors: [{ code: 'draft_not_found', message: '没有草稿', field: '' }] }])
  let saved = null
  wx.route('PUT', '/api/mp/drafts/worker', (req) => { saved = req.data; return [200, { ...req.data, updated_at: '2026-11-22T10:00:00+08:00' }] })
  const page = await render('pages/apply/step/index', { kind: 'worker', step: 'applicant' })
  console.log(dump(page))
  expect(text(page, '#title')).toBe('申请人')
  expect(text(page, '#l-applicant-name')).toBe('姓名')
  await type(page, '#i-applicant-name', '张三')
  await pick(page, '#i-applicant-gender', 0)
  await tap(page, '#next')
  expect(saved.applicant.name).toBe('张三')
  expect(saved.applicant.gender).toBe('male')
  expect(wx.calls.navigate).toEqual(['/pages/apply/step/index?kind=worker&step=contact'])
})
