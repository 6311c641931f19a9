// The shipped API client (dist/lib/api/client.js, endpoints.js, drafts.js) against the real server this run
// started (test/support/global-setup.js), through wx.request / wx.uploadFile / wx.login shimmed over node's http
// and the WeChat stand-in: signing in and out, an expired session, a draft kept through a network loss, an upload
// cut half-way and retried, a submission that reaches the back office, the clarified items confirmed, and the
// API's errors by field in the person's language.
const fs = require('fs')
const os = require('os')
const path = require('path')
const wx = require('./support/wx')
const { network, useRealServer, send } = require('./support/node-wx')
const { Office } = require('./support/office')
const { WORKER, png } = require('./support/samples')

const DIST = path.join(__dirname, '..', 'dist')
const client = require(path.join(DIST, 'lib/api/client'))
const { api } = require(path.join(DIST, 'lib/api/endpoints'))
const drafts = require(path.join(DIST, 'lib/drafts'))
const prefs = require(path.join(DIST, 'lib/prefs'))

const BASE = process.env.MP_TEST_SERVER
const [ADMIN, ADMIN_PASSWORD] = (process.env.MP_TEST_ADMIN || ':').split(':')

function photo() {
  const file = path.join(os.tmpdir(), `tmp_${Date.now()}_${Math.random().toString(36).slice(2)}.png`)
  fs.writeFileSync(file, png())
  return file
}

async function as(openid) {
  wx.reset()
  useRealServer()
  network.openid = openid
  network.offline = false
  network.cutUploads = 0
  prefs.setLang('zh')
  await client.signIn()
}

async function fullDraft(kind = 'worker') {
  const notice = await api.notice()
  drafts.keep(kind, 'consent', { version: notice.version, accepted: true })
  drafts.keep(kind, 'applicant', WORKER.applicant)
  drafts.keep(kind, 'respondent', WORKER.respondent)
  drafts.keep(kind, 'claim', WORKER.claim)
}

beforeAll(() => {
  client.setBaseUrl(BASE)
})

test('signing in with wx.login, signing out with DELETE: the old token is refused', async () => {
  await as('o-mp-signout')
  const token = client.currentToken()
  expect(token).toBeTruthy()
  expect((await api.myCases()).items).toEqual([])
  await client.signOut()
  expect(client.currentToken()).toBeNull()
  const res = await send('GET', `${BASE}/api/mp/applications`, { Authorization: `Bearer ${token}` })
  expect(res.statusCode).toBe(401)
})

test('a session that expired or was refused signs in again and the call goes through', async () => {
  await as('o-mp-expired')
  wx.storage()['session.token'] = { token: 'not.a.token', expires: Date.now() + 3600 * 1000 }
  expect((await api.myCases()).items).toEqual([])
  expect(client.currentToken()).not.toBe('not.a.token')
})

test('a draft kept through a network loss reaches the server once the network is back', async () => {
  await as('o-mp-draft')
  drafts.keep('worker', 'applicant', { name: '王五', phone: '13800001111' })
  expect(await drafts.sync('worker')).toBe('saved')
  expect((await api.draft('worker')).applicant.name).toBe('王五')

  network.offline = true
  drafts.keep('worker', 'claim', { requests: '支付工资', facts: '未付工资' })
  expect(await drafts.sync('worker')).toBe('offline')
  expect(drafts.pending('worker')).toBe(true)
  expect(drafts.values('worker').claim.requests).toBe('支付工资') // kept on the phone

  network.offline = false
  await drafts.restore('worker') // a page of the application opens: the pending step is sent
  expect(drafts.pending('worker')).toBe(false)
  const stored = await api.draft('worker')
  expect(stored.claim.requests).toBe('支付工资')
  expect(stored.applicant.phone).toContain('*') // numbers come back masked
})

test('an upload cut half-way fails with a network error and succeeds when retried, with its progress', async () => {
  await as('o-mp-upload')
  network.cutUploads = 1
  const file = photo()
  const first = client.upload(file, '工资条.png', () => {})
  await expect(first.done).rejects.toMatchObject({ status: 0 })
  const seen = []
  const stored = await client.upload(file, '工资条.png', (p) => seen.push(p)).done
  expect(stored.id).toMatch(/^[0-9a-f]{32}$/)
  expect(stored.kind).toBe('image')
  expect(seen[seen.length - 1]).toBe(100)
  expect(seen).toEqual([...seen].sort((a, b) => a - b))
})

test('a submission through the client appears in the back office, and the clarified items are confirmed', async () => {
  await as('o-mp-submit')
  await fullDraft()
  const stored = await client.upload(photo(), '劳动合同.png', () => {}).done
  drafts.keep('worker', 'evidence', [stored.id], [stored])
  expect(await drafts.sync('worker')).toBe('saved')
  const key = client.idempotencyKey('mp-test')
  const created = await api.submitDraft('worker', key)
  expect(created.serial).toMatch(/^\d{14}$/)
  expect(created.evidence_files).toHaveLength(1)
  // submitted again (its answer lost on the way): the draft became the case, so never a second one; the review
  // page takes this 404 to 我的申请
  await expect(api.submitDraft('worker', key)).rejects.toMatchObject({ status: 404, code: 'draft_not_found' })
  const mine = await api.myCases()
  expect(mine.items.map((c) => c.serial)).toEqual([created.serial])

  const office = new Office(BASE)
  await office.signIn(ADMIN, ADMIN_PASSWORD)
  const queue = await office.get('/office/')
  expect(queue.status).toBe(200)
  expect(queue.text).toContain(created.serial)
  const page = await office.get(`/office/cases/${created.serial}`)
  expect(page.status).toBe(200)
  expect(page.text).toContain('上海某某物流有限公司')

  const pushed = await office.post(`/office/cases/${created.serial}/clarify`, { cause_code: '05-01', text: '支付2026年8月至10月工资', amount: '12000' })
  expect(pushed.status).toBe(302)
  const before = await api.myCase(created.serial)
  expect(before.clarified.state).toBe('pending')
  const answered = await api.answerClarified(created.serial, { version: before.clarified.version, decision: 'confirm' })
  expect(answered.clarified.state).toBe('confirmed')
  const after = await office.get(`/office/cases/${created.serial}`)
  expect(after.text).toMatch(/已确认|confirmed/)
})

test("the API's errors name their fields, in the person's language", async () => {
  await as('o-mp-errors')
  await fullDraft()
  drafts.keep('worker', 'applicant', { id_number: '310115199003070010' })
  await drafts.sync('worker')
  let refused = null
  try {
    await api.submitDraft('worker')
  } catch (error) {
    refused = error
  }
  expect(refused).toBeInstanceOf(client.ApiError)
  expect(refused.status).toBe(422)
  expect(Object.keys(refused.byField())).toContain('applicant.id_number')
  prefs.setLang('en')
  try {
    await api.submitDraft('worker')
  } catch (error) {
    refused = error
  }
  expect(refused.byField()['applicant.id_number']).toMatch(/[A-Za-z]/)
  expect(refused.byField()['applicant.id_number']).not.toMatch(/[\u4e00-\u9fff]{4}/)
})
