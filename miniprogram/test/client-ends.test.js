// The second part's journey through the shipped client code (dist/lib/...) against the real server: an application
// with its 送达地址确认书, the consent changed on the service page's endpoint (a blank address refused by field), a
// withdrawal (its reason required), the end as the applicant's page reads it, the withdrawal notice opened with
// wx.openDocument (the download recorded in its service record, seen again in the list and in the back office),
// and the arbitration application made with one tap.
const fs = require('fs')
const os = require('os')
const path = require('path')
const wx = require('./support/wx')
const { network, useRealServer } = require('./support/node-wx')
const { Office } = require('./support/office')
const { WORKER, png } = require('./support/samples')
const { refused } = require('./support/refused')

const DIST = path.join(__dirname, '..', 'dist')
const client = require(path.join(DIST, 'lib/api/client'))
const { api } = require(path.join(DIST, 'lib/api/endpoints'))
const documents = require(path.join(DIST, 'lib/documents'))
const drafts = require(path.join(DIST, 'lib/drafts'))
const prefs = require(path.join(DIST, 'lib/prefs'))

const BASE = process.env.MP_TEST_SERVER
const [ADMIN, ADMIN_PASSWORD] = (process.env.MP_TEST_ADMIN || ':').split(':')
const ADDRESS = '上海市浦东新区川沙路100号'

beforeAll(() => {
  client.setBaseUrl(BASE)
})

test('service, a withdrawal, its notice opened and served, the arbitration application in one tap', async () => {
  wx.reset()
  useRealServer()
  network.openid = 'o-mp-ends'
  network.offline = false
  prefs.setLang('zh')
  await client.signIn()

  const notice = await api.notice()
  drafts.keep('worker', 'consent', { version: notice.version, accepted: true })
  drafts.keep('worker', 'applicant', WORKER.applicant)
  drafts.keep('worker', 'respondent', WORKER.respondent)
  drafts.keep('worker', 'claim', WORKER.claim)
  drafts.keep('worker', 'service', { electronic: true, address: ADDRESS, recipient: '' })
  expect(await drafts.sync('worker')).toBe('saved')
  const created = await api.submitDraft('worker')
  const serial = created.serial

  // the applicant's 送达地址确认书 came with the application; the page lists what was served, now opened
  let page = await api.casePage('applicant', serial)
  expect(page.service_consent).toMatchObject({ electronic: true, address: ADDRESS })
  expect(page.service.map((r) => r.kind)).toContain('submitted')
  expect(page.service.every((r) => r.opened_at)).toBe(true)
  const blank = await refused(api.giveService('applicant', serial, { electronic: false, address: ' ', recipient: null }))
  expect(blank.status).toBe(422)
  expect(Object.keys(blank.byField())).toEqual(['address'])
  page = await api.giveService('applicant', serial, { electronic: false, address: ADDRESS, recipient: '张三' })
  expect(page.service_consent).toMatchObject({ electronic: false, recipient: '张三' })

  // withdrawing: a reason is required; then the end as the applicant reads it
  const noReason = await refused(api.withdraw(serial, ''))
  expect(noReason.status).toBe(422)
  expect(noReason.field).toBe('reason')
  await api.withdraw(serial, '已与单位和解')
  page = await api.casePage('applicant', serial)
  expect(page.end).toMatchObject({ end: 'withdrawn', may_arbitrate: true })
  expect(page.end.lines.join('')).toContain('仲裁')
  expect(page.end.notice).toMatch(/^[0-9a-f]{32}$/)

  // the notice opened as the end page does: downloaded with the token, opened; its download is its service
  let listed = (await api.documents('applicant', serial)).items
  const noticeDoc = listed.find((d) => d.id === page.end.notice)
  expect(noticeDoc.kind).toBe('termination_notice')
  expect(noticeDoc.service.downloaded_at).toBeNull()
  await documents.openPdf(api.documentPath('applicant', serial, page.end.notice))
  expect(wx.calls.opened).toHaveLength(1)
  expect(fs.readFileSync(wx.calls.opened[0].filePath).subarray(0, 5).toString()).toBe('%PDF-')
  listed = (await api.documents('applicant', serial)).items
  expect(listed.find((d) => d.id === page.end.notice).service.downloaded_at).toBeTruthy()

  // the arbitration application with one tap, then opened
  const issued = await api.paper('applicant', serial, 'arbitration')
  expect(issued.kind).toBe('arbitration')
  await documents.openPdf(issued.download)
  expect(wx.calls.opened).toHaveLength(2)

  // the back office reads the withdrawal, the consent and the download in the case file's service record
  const office = new Office(BASE)
  await office.signIn(ADMIN, ADMIN_PASSWORD)
  const file = await office.get(`/office/cases/${serial}`)
  expect(file.status).toBe(200)
  expect(file.text).toContain('已与单位和解')
  expect(file.text).toMatch(new RegExp(`id="consent-applicant">[^<]*${ADDRESS}`))
  const records = file.text.slice(file.text.indexOf('id="service-records"'))
  const row = /<tr class="service-\w+" data-key="[^"]+" data-kind="termination_notice">[\s\S]*?<\/tr>/.exec(records)
  expect(row && row[0]).toMatch(/下载|downloaded/i)
  for (const opened of wx.calls.opened) fs.rmSync(opened.filePath, { force: true })
}, 120000)

test('where a piece of evidence came from and what it proves, noted after the upload; a note too long refused by field', async () => {
  wx.reset()
  useRealServer()
  network.openid = 'o-mp-notes'
  network.offline = false
  prefs.setLang('zh')
  await client.signIn()
  const file = path.join(os.tmpdir(), `tmp_${Date.now()}_notes.png`)
  fs.writeFileSync(file, png())
  const stored = await client.upload(file, '工资条.png', () => {}).done
  fs.rmSync(file, { force: true })
  expect(stored).toMatchObject({ source: '', proves: '' })
  const long = await refused(api.noteFile(stored.id, { source: '单'.repeat(101), proves: '' }))
  expect(long.status).toBe(422)
  expect(Object.keys(long.byField())).toEqual(['source'])
  const noted = await api.noteFile(stored.id, { source: '单位发放的工资条', proves: '2026年8月至10月未发工资' })
  expect(noted).toMatchObject({ id: stored.id, source: '单位发放的工资条', proves: '2026年8月至10月未发工资' })
})
