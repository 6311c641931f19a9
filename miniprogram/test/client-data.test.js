// Issues 21c and 23b through the shipped client code (dist/lib/...) against the real server: the notice asked again
// on a 409 consent_required (a draft waits for it, the dialog shows what changed, the acceptance is recorded and
// the same call repeated), and before an upload (checked first: the server refuses an upload before reading its
// body); where a piece of evidence came from and what it proves; 我的数据: what is held, a consent given, the copy
// as a PDF, a correction asked (its problem by field), an unused upload deleted.
const fs = require('fs')
const os = require('os')
const path = require('path')
const wx = require('./support/wx')
const { network, useRealServer } = require('./support/node-wx')
const { WORKER, png } = require('./support/samples')
const { refused } = require('./support/refused')

const DIST = path.join(__dirname, '..', 'dist')
const client = require(path.join(DIST, 'lib/api/client'))
const { api } = require(path.join(DIST, 'lib/api/endpoints'))
const documents = require(path.join(DIST, 'lib/documents'))
const drafts = require(path.join(DIST, 'lib/drafts'))
const prefs = require(path.join(DIST, 'lib/prefs'))

const BASE = process.env.MP_TEST_SERVER
const OLD_NOTICE = process.env.MP_TEST_OLD_NOTICE

function photo() {
  const file = path.join(os.tmpdir(), `tmp_${Date.now()}_${Math.random().toString(36).slice(2)}.png`)
  fs.writeFileSync(file, png())
  return file
}

beforeAll(() => {
  client.setBaseUrl(BASE)
})

async function signInAs(openid) {
  wx.reset()
  useRealServer()
  network.openid = openid
  network.offline = false
  prefs.setLang('zh')
  await client.signIn()
}

/** An application whose notice is `version` (one the centre's config.yaml lists). */
async function applyUnder(version) {
  drafts.keep('worker', 'consent', { version, accepted: true })
  drafts.keep('worker', 'applicant', WORKER.applicant)
  drafts.keep('worker', 'respondent', WORKER.respondent)
  drafts.keep('worker', 'claim', WORKER.claim)
  expect(await drafts.sync('worker')).toBe('saved')
  return api.submitDraft('worker')
}

test('before an upload the client asks again for a notice accepted in an older version, then uploads', async () => {
  await signInAs('o-mp-upload-notice')
  await applyUnder(OLD_NOTICE)
  const file = photo()
  const stored = await client.upload(file, '劳动合同.png', () => {}).done
  fs.rmSync(file, { force: true })
  expect(stored.id).toMatch(/^[0-9a-f]{32}$/)
  expect(wx.calls.modal.map((m) => m.title)).toEqual(['申请须知已更新'])
  expect((await api.consents()).notice.current).toBe(true)
})

test('a notice accepted in an older version is asked again on a 409; evidence notes; my data, its copy and a correction', async () => {
  await signInAs('o-mp-my-data')

  // an application under the older notice (still accepted by the centre): the person accepted that one
  const notice = await api.notice()
  expect(notice.version).not.toBe(OLD_NOTICE)
  const created = await applyUnder(OLD_NOTICE)
  expect(wx.calls.modal).toEqual([])

  // new processing (a draft) waits for the notice in force: 409 consent_required, asked again with what changed,
  // accepted, the draft saved by the same call repeated
  drafts.keep('employer', 'claim', { requests: '返还工作证' })
  expect(await drafts.sync('employer')).toBe('saved')
  expect(wx.calls.modal).toHaveLength(1)
  expect(wx.calls.modal[0].title).toBe('申请须知已更新')
  expect(wx.calls.modal[0].content).toBeTruthy()
  const consents = await api.consents()
  expect(consents.notice).toMatchObject({ version: notice.version, accepted_version: notice.version, current: true })
  expect((await api.draft('employer')).claim.requests).toBe('返还工作证')

  // an upload: nothing more to ask
  const file = photo()
  const stored = await client.upload(file, '工资条.png', () => {}).done
  fs.rmSync(file, { force: true })
  expect(wx.calls.modal).toHaveLength(1)

  // where the evidence came from and what it proves; a note too long is refused by field
  const long = await refused(api.noteFile(stored.id, { source: '单'.repeat(101), proves: '' }))
  expect(long.status).toBe(422)
  expect(Object.keys(long.byField())).toEqual(['source'])
  const noted = await api.noteFile(stored.id, { source: '单位发放的工资条', proves: '2026年8月至10月未发工资' })
  expect(noted).toMatchObject({ source: '单位发放的工资条', proves: '2026年8月至10月未发工资' })

  // 我的数据: the case and the upload held; an optional consent given at once
  let mine = await api.me()
  expect(mine.cases.map((c) => c.serial)).toEqual([created.serial])
  expect(mine.files.find((f) => f.id === stored.id)).toMatchObject({ in_a_case: false })
  const survey = mine.consents.optional.find((c) => c.purpose === 'survey')
  await api.consent('survey', true, survey.version)
  mine = await api.me()
  expect(mine.consents.optional.find((c) => c.purpose === 'survey').state).toBe('granted')

  // the copy, as the page opens it
  await documents.openPdf(api.copyPath)
  const opened = wx.calls.opened[0].filePath
  expect(fs.readFileSync(opened).subarray(0, 5).toString()).toBe('%PDF-')
  fs.rmSync(opened, { force: true })

  // a correction: the field's problem named, then asked and listed with its day
  const fields = mine.correctable[created.serial].map((f) => f.field)
  expect(fields).toContain('address')
  const blank = await refused(api.correct({ serial: created.serial, field: 'address', value: '' }))
  expect(blank.status).toBe(422)
  expect(Object.keys(blank.byField())).toContain('value')
  const asked = await api.correct({ serial: created.serial, field: 'address', value: '上海市浦东新区川沙路200号' })
  expect(asked).toMatchObject({ state: 'open', field: 'address' })
  expect(asked.due).toMatch(/^\d{4}-\d{2}-\d{2}$/)
  expect((await api.me()).corrections.map((c) => c.id)).toContain(asked.id)

  // an upload no case uses may be deleted
  expect((await api.deleteMine(`file:${stored.id}`)).deleted).toBeTruthy()
  expect((await api.me()).files.map((f) => f.id)).not.toContain(stored.id)
}, 120000)
