// Rendering a page of dist/ (the build's output, the code that ships) with miniprogram-simulate, and reading it.
const fs = require('fs')
const path = require('path')
const simulate = require('miniprogram-simulate')
const simulateUtils = require('miniprogram-simulate/src/utils')
const fakeWx = require('./wx')

// miniprogram-simulate runs a component's code by require() and then deletes it from require.cache, so that the
// next page registering the same TDesign component runs it again; jest's registry ignores that deletion, and the
// component would not register a second time (and render as an empty tag). Run each in a registry of its own.
simulateUtils.runJs = (file) => jest.isolateModules(() => require(file))

const DIST = path.join(__dirname, '..', '..', 'dist')

/** TDesign's components by the names the pages use ("tdesign-miniprogram/button/button"), where miniprogram_npm
 * puts them: miniprogram-simulate resolves only relative and absolute paths. */
function npmComponents() {
  const out = {}
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== 'miniprogram_npm') walk(full)
      } else if (entry.name.endsWith('.json') && full !== path.join(DIST, 'app.json')) {
        const using = (JSON.parse(fs.readFileSync(full, 'utf8')).usingComponents) || {}
        for (const [tag, target] of Object.entries(using)) {
          if (target.startsWith('tdesign-miniprogram/')) out[tag] = `/miniprogram_npm/${target}`
        }
      }
    }
  }
  walk(DIST)
  return out
}

const USING = npmComponents()

const loaded = {}

/** Render `page` (e.g. "pages/apply/step/index") and run its onLoad with `query`. A page's code runs once per test
 * file (jest keeps required modules), so each page is loaded once and rendered afresh every time. */
async function render(page, query = {}) {
  const id = loaded[page] || (loaded[page] = simulate.load(path.join(DIST, page), { rootPath: DIST, usingComponents: USING }))
  const comp = simulate.render(id)
  comp.attach(document.createElement('parent-wrapper'))
  if (comp.instance.onLoad) await comp.instance.onLoad(query)
  await settle(comp)
  return comp
}

/** Let promises, timers and setData run: until no fake answer is in flight and the page has stayed the same for a
 * few turns (at most 5 s). */
async function settle(comp) {
  const deadline = Date.now() + 5000
  let last = null
  let quiet = 0
  while (Date.now() < deadline && quiet < 4) {
    await simulate.sleep(5)
    const now = comp ? comp.dom.innerHTML : ''
    quiet = now === last && !fakeWx.busy() ? quiet + 1 : 0
    last = now
  }
}

/** Tap a TDesign button (its inner <button>) or any element, by selector. */
async function tap(comp, selector) {
  const found = comp.querySelector(selector)
  if (!found) throw new Error(`nothing matches ${selector}`)
  const inner = found.querySelector && found.querySelector('.t-button')
  ;(inner || found).dispatchEvent('tap')
  await settle(comp)
}

/** A TDesign component emitting `change` with `detail`, as it does when a person uses it. */
async function emit(comp, selector, detail) {
  const found = comp.querySelector(selector)
  if (!found) throw new Error(`nothing matches ${selector}`)
  found.instance.triggerEvent('change', detail)
  await settle(comp)
}

/** Typing into a t-input or t-textarea (or switching a t-switch): its `change` with the value. */
function type(comp, selector, value) {
  return emit(comp, selector, { value })
}

/** A native picker's change (the index chosen, or the date). */
async function pick(comp, selector, value) {
  const found = comp.querySelector(selector)
  if (!found) throw new Error(`nothing matches ${selector}`)
  found.dispatchEvent('change', { detail: { value } })
  await settle(comp)
}

function text(comp, selector) {
  const found = comp.querySelector(selector)
  return found ? found.dom.textContent.trim() : null
}

/** The rendered structure as indented text: tags (wx- prefix dropped), ids, a few attributes, and text. */
function dump(comp) {
  const lines = []
  const walk = (node, depth) => {
    if (node.nodeType === 3) {
      const t = node.textContent.trim()
      if (t) lines.push('  '.repeat(depth) + JSON.stringify(t))
      return
    }
    if (node.nodeType !== 1) return
    const tag = node.tagName.toLowerCase().replace(/^wx-/, '')
    const id = node.getAttribute('id')
    const label = node.getAttribute('aria-label')
    const own = [tag, id ? `#${id}` : '', label ? `[aria-label=${label}]` : ''].join('')
    const plain = ['view', 'text'].includes(tag) && !id && !label
    if (!plain) lines.push('  '.repeat(depth) + own)
    for (const child of node.childNodes) walk(child, plain ? depth : depth + 1)
  }
  walk(comp.dom, 0)
  return lines.join('\n')
}

module.exports = { DIST, render, settle, tap, type, emit, pick, text, dump }
