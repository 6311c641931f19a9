// Accessibility and small phones, checked in node (the simulator has no layout engine):
//   - every tappable element carries a class whose WXSS gives it min-height >= 88rpx, and >= 176rpx under .large
//     (the large display, 大字版);
//   - every foreground/background pair of the theme is at least 4.5:1 (WCAG 2.x contrast, computed);
//   - every input and button every page renders has a label (a field's label, or its own text);
//   - no fixed width wider than 640rpx (320px), so the pages fit a 320px screen.
// It also writes each page's rendered structure to build/pages.txt (the report's text dump).
const fs = require('fs')
const path = require('path')
const wx = require('./support/wx')
const { render, dump } = require('./support/render')
const { routeReference, CASE, MY_DATA } = require('./reference-fixtures')

const SRC = path.join(__dirname, '..', 'src')

function files(dir, ext, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) files(full, ext, out)
    else if (entry.name.endsWith(ext)) out.push(full)
  }
  return out
}

/** Every rule of our WXSS as [selector, {property: value}] (comments dropped, no nesting in WXSS). */
function rules() {
  const out = []
  for (const file of files(SRC, '.wxss')) {
    const css = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '')
    for (const match of css.matchAll(/([^{}]+)\{([^}]*)\}/g)) {
      const declarations = {}
      for (const part of match[2].split(';')) {
        const at = part.indexOf(':')
        if (at > 0) declarations[part.slice(0, at).trim()] = part.slice(at + 1).trim()
      }
      for (const selector of match[1].split(',')) out.push([selector.trim(), declarations, path.relative(SRC, file)])
    }
  }
  return out
}

function rpx(value) {
  const found = /^(\d+(?:\.\d+)?)(rpx|px)$/.exec(value || '')
  if (!found) return null
  return found[2] === 'px' ? Number(found[1]) * 2 : Number(found[1]) // 320px is the 640rpx of a narrow phone
}

const TAPPABLE_TAGS = ['t-button', 't-switch', 't-checkbox', 'picker', 'button', 'navigator']

/** Each tappable element of our WXML: its tag, its classes (class and t-class, mustache parts dropped), where. */
function tappables() {
  const out = []
  for (const file of files(SRC, '.wxml')) {
    const wxml = fs.readFileSync(file, 'utf8')
    for (const match of wxml.matchAll(/<([a-z-]+)(\s[^>]*?)?\/?>/g)) {
      const [, tag, attributes = ''] = match
      const tappable = TAPPABLE_TAGS.includes(tag) || /\s(bind:?tap|catch:?tap)=/.test(attributes)
      if (!tappable) continue
      const classes = []
      for (const attr of attributes.matchAll(/\s(class|t-class)="([^"]*)"/g)) {
        classes.push(...attr[2].replace(/\{\{[^}]*\}\}/g, ' ').split(/\s+/).filter(Boolean))
      }
      out.push({ tag, classes, where: `${path.relative(SRC, file)}: <${tag}${attributes.slice(0, 60)}` })
    }
  }
  return out
}

test('every tappable element is at least 88rpx high, and 176rpx in the large display', () => {
  const all = rules()
  const height = (selector) =>
    Math.max(0, ...all.filter(([s]) => s === selector).map(([, d]) => rpx(d['min-height']) || 0))
  const found = tappables()
  expect(found.length).toBeGreaterThan(40)
  const short = []
  for (const element of found) {
    const ok = element.classes.some((c) => height(`.${c}`) >= 88 && height(`.large .${c}`) >= 176)
    if (!ok) short.push(`${element.where} (classes: ${element.classes.join(' ') || 'none'})`)
  }
  expect(short).toEqual([])
})

function luminance(hex) {
  const value = hex.replace('#', '')
  const full = value.length === 3 ? value.split('').map((c) => c + c).join('') : value
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16) / 255)
  const lin = (c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return (hi + 0.05) / (lo + 0.05)
}

test("the theme's foreground and background pairs are at least 4.5:1", () => {
  const all = rules()
  const page = all.find(([s]) => s === 'page')[1]
  const pageBackground = page['background-color']
  const pairs = []
  for (const [selector, d, file] of all) {
    const color = d.color
    if (!color || !color.startsWith('#')) continue
    const background = d['background-color'] || d.background
    pairs.push([`${file} ${selector}`, color, background && background.startsWith('#') ? background : pageBackground])
  }
  // TDesign's colours as the theme sets them: text on the page, white on the brand colour (a primary button)
  for (const name of ['--td-text-color-primary', '--td-text-color-secondary', '--td-text-color-placeholder', '--td-error-color', '--td-success-color', '--td-brand-color']) {
    pairs.push([name, page[name], pageBackground])
  }
  pairs.push(['primary button', '#ffffff', page['--td-brand-color']])
  // the theme's own variables, each text colour on the page and on the surface
  for (const name of ['--c-text', '--c-muted', '--c-error', '--c-ok', '--c-brand', '--c-placeholder']) {
    pairs.push([name, page[name], page['--c-bg']], [`${name} on surface`, page[name], page['--c-surface']])
  }
  pairs.push(['--c-on-brand', page['--c-on-brand'], page['--c-brand']])
  expect(pairs.length).toBeGreaterThan(20)
  const weak = pairs.filter(([, fg, bg]) => contrast(fg, bg) < 4.5).map(([what, fg, bg]) => `${what}: ${fg} on ${bg} is ${contrast(fg, bg).toFixed(2)}:1`)
  expect(weak).toEqual([])
})

test('no fixed width is wider than 640rpx (a 320px screen)', () => {
  const wide = []
  for (const [selector, d, file] of rules()) {
    for (const property of ['width', 'min-width']) {
      const value = rpx(d[property])
      if (value !== null && value > 640) wide.push(`${file} ${selector} ${property}: ${d[property]}`)
    }
  }
  for (const file of files(SRC, '.wxml')) {
    for (const match of fs.readFileSync(file, 'utf8').matchAll(/style="[^"]*?(?:^|;|\s)(?:min-)?width:\s*(\d+(?:rpx|px))/g)) {
      if (rpx(match[1]) > 640) wide.push(`${path.relative(SRC, file)} style width ${match[1]}`)
    }
  }
  expect(wide).toEqual([])
})

function routeEverything() {
  routeReference(wx.route)
  wx.route('GET', '/api/mp/drafts/worker', [200, { kind: 'worker', applicant: { name: '张三' }, evidence: ['c'.repeat(32)], updated_at: '2026-11-22T10:00:00+08:00' }])
  wx.storage()['draft.worker'] = { values: { kind: 'worker', applicant: { name: '张三' }, evidence: ['c'.repeat(32)] }, pending: false, files: [{ id: 'c'.repeat(32), name: '工资条.png', kind: 'image', size: 10, created_at: '2026-11-22T10:00:00+08:00', captured_at: null, source: '', proves: '' }] }
  wx.route('GET', '/api/mp/me', [200, { ...MY_DATA, pending: [{ purpose: 'notice', version: '2026-12', changes: '新增：个人信息的保存期限。' }] }])
  wx.route('GET', `/api/mp/respondent/cases/${CASE.serial}/page`, [200, { case: { ...CASE, status: 'signing', agreement: { version: 1, terms: [{ text: '支付工资', amount: '1.00', due_date: '2026-12-31', method: '转账', category: 'wages' }], signatures: {} } }, can_sign: true, signing_for: { legal_representative: '王五', agent: '' } }])
  wx.route('GET', '/api/mp/drafts/employer', [200, { kind: 'employer', updated_at: '2026-11-22T10:00:00+08:00' }])
  wx.route('GET', '/api/mp/applications', [200, { items: [CASE] }])
  wx.route('GET', '/api/mp/respondent/cases', [200, { items: [] }])
  wx.route('GET', `/api/mp/applications/${CASE.serial}`, [200, CASE])
  wx.route('GET', `/api/mp/applications/${CASE.serial}/page`, [200, { case: { ...CASE, status: 'signing', agreement: { version: 1, terms: [{ text: '支付工资', amount: '1.00', due_date: '2026-12-31', method: '转账', category: 'wages' }], signatures: {} } }, can_sign: true, may_arbitrate: true, limitation: { text: '仲裁时效期间为一年。' }, service_consent: null,
    end: { end: 'withdrawn', lines: ['您已撤回调解申请，调解终止。'], last_day: '2027-11-20', returns: '', partner: '', partner_case_no: '', may_arbitrate: true, notice: 'e'.repeat(32) },
    service: [{ key: 'n1-applicant', item: 'notice', kind: 'submitted', title: '申请已提交', party: 'applicant', party_label: '申请人', state: 'served', state_label: '已送达', needs_paper: false, sent_at: '2026-11-22T10:00:05+08:00', opened_at: null, downloaded_at: null, paper: null }] }])
  wx.route('GET', `/api/mp/applications/${CASE.serial}/documents`, [200, { items: [{ id: 'f'.repeat(32), kind: 'application', title: '调解申请书', version: 1, sm3: 'a', size: 1, issued_at: '2026-11-22T10:00:00+08:00' }] }])
  wx.route('GET', `/api/mp/respondent/cases/${CASE.serial}`, [200, { case: { ...CASE, respondent_access: { answer: null, answer_due: '2026-12-01' } }, can_answer: true, can_sign: false }])
  wx.route('GET', '/api/triage', [200, { start: 'a', escape: 'a', nodes: { a: { kind: 'choice', question: { zh: '问题', en: 'Q' }, options: [{ value: 'x', label: { zh: '是', en: 'Yes' }, next: 'a' }] } } }])
}

const PAGES = [
  ['pages/index/index', {}],
  ['pages/account/index', {}],
  ['pages/me/index', {}],
  ['pages/apply/notice/index', { kind: 'worker' }],
  ...['applicant', 'contact', 'respondent', 'claim', 'service'].map((step) => ['pages/apply/step/index', { kind: 'worker', step }]),
  ...['company', 'company_contact', 'respondent', 'claim', 'service'].map((step) => ['pages/apply/step/index', { kind: 'employer', step }]),
  ['pages/apply/evidence/index', { kind: 'worker' }],
  ['pages/apply/review/index', { kind: 'worker' }],
  ['pages/apply/done/index', { serial: CASE.serial }],
  ['pages/cases/list/index', {}],
  ['pages/cases/detail/index', { serial: CASE.serial }],
  ['pages/cases/clarified/index', { serial: CASE.serial }],
  ['pages/cases/sign/index', { serial: CASE.serial, role: 'applicant' }],
  ['pages/cases/sign/index', { serial: CASE.serial, role: 'respondent' }],
  ['pages/cases/documents/index', { serial: CASE.serial, role: 'applicant' }],
  ['pages/cases/service/index', { serial: CASE.serial, role: 'applicant' }],
  ['pages/cases/end/index', { serial: CASE.serial, role: 'applicant' }],
  ['pages/cases/withdraw/index', { serial: CASE.serial }],
  ['pages/respondent/invite/index', {}],
  ['pages/respondent/case/index', { serial: CASE.serial }],
  ['pages/guide/calculator/index', {}],
  ['pages/guide/triage/index', {}],
]

const hasClass = (node, name) => (node.getAttribute && node.getAttribute('class') || '').split(/\s+/).some((c) => c === name || c.endsWith(`--${name}`))

/** The label of a control: its own aria-label, or the label of the field it sits in. */
function labelled(node) {
  if ((node.getAttribute('aria-label') || '').trim()) return true
  for (let up = node.parentNode; up && up.getAttribute; up = up.parentNode) {
    if (hasClass(up, 'field')) {
      const label = Array.from(up.querySelectorAll('*')).find((n) => hasClass(n, 'field-label'))
      return !!(label && label.textContent.trim())
    }
  }
  return false
}

test('every input and button each page renders has a label; the pages as rendered go to build/pages.txt', async () => {
  const dumps = []
  const missing = []
  let controls = 0
  for (const [page, query] of PAGES) {
    wx.reset()
    routeEverything()
    const comp = await render(page, query)
    for (const node of comp.dom.querySelectorAll('wx-input, wx-textarea, wx-picker')) {
      controls += 1
      if (!labelled(node)) missing.push(`${page} ${JSON.stringify(query)}: <${node.tagName.toLowerCase()}> without a label`)
    }
    for (const node of comp.dom.querySelectorAll('wx-button')) {
      controls += 1
      if (!node.textContent.trim() && !(node.getAttribute('aria-label') || '').trim()) missing.push(`${page}: a button without words`)
    }
    dumps.push(`== ${page} ${new URLSearchParams(query).toString()}\n${dump(comp)}\n`)
  }
  fs.mkdirSync(path.join(__dirname, '..', 'build'), { recursive: true })
  fs.writeFileSync(path.join(__dirname, '..', 'build', 'pages.txt'), dumps.join('\n'))
  expect(controls).toBeGreaterThan(100)
  expect(missing).toEqual([])
})
