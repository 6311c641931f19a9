#!/usr/bin/env node
// Builds the mini-program into dist/ (what WeChat DevTools and miniprogram-ci open: project.config.json's
// miniprogramRoot), in node alone:
//   1. api   the API client's types, src/lib/api/schema.d.ts, generated with openapi-typescript from our
//            OpenAPI document: written by ../scripts/openapi.py (no server needed), or read from OPENAPI_URL
//            (a running server's /api/openapi.json) when the Python side is not at hand;
//   2. tsc   src/**/*.ts compiled to dist/ (a type error stops the build);
//   3. copy  the pages' .json, .wxml, .wxss, .wxs and images beside them;
//   4. npm   miniprogram_npm/ built by miniprogram-ci's manual npm pack (ci.packNpmManually), as DevTools'
//            "构建 npm" would; skipped while package-lock.json has not changed since the last pack.
// `node tools/build.js api` runs the first step alone. docs/miniprogram.md says how a centre uses it.
'use strict'
const { execFileSync } = require('child_process')
const crypto = require('crypto')
const fs = require('fs')
const path = require('path')

const HERE = path.resolve(__dirname, '..')
const REPO = path.resolve(HERE, '..')
const SRC = path.join(HERE, 'src')
const DIST = path.join(HERE, 'dist')
const SCHEMA = path.join(SRC, 'lib', 'api', 'schema.d.ts')
const OPENAPI_JSON = path.join(HERE, 'build', 'openapi.json')
const ASSETS = /\.(json|wxml|wxss|wxs|png|jpg|svg)$/
const bin = (name) => path.join(HERE, 'node_modules', '.bin', name)

function step(name, fn) {
  const began = Date.now()
  fn()
  console.log(`build: ${name} (${Date.now() - began} ms)`)
}

function api() {
  let source = process.env.OPENAPI_URL
  if (!source) {
    const python = process.env.PYTHON || path.join(REPO, '.venv', 'bin', 'python')
    execFileSync(python, [path.join(REPO, 'scripts', 'openapi.py'), OPENAPI_JSON], { stdio: 'inherit', cwd: REPO })
    source = OPENAPI_JSON
  }
  execFileSync(bin('openapi-typescript'), [source, '--output', SCHEMA, '--silent'], { stdio: 'inherit', cwd: HERE })
}

function clean() {
  fs.mkdirSync(DIST, { recursive: true })
  for (const entry of fs.readdirSync(DIST)) {
    if (entry !== 'miniprogram_npm') fs.rmSync(path.join(DIST, entry), { recursive: true, force: true })
  }
}

function copyAssets(dir = SRC) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const from = path.join(dir, entry.name)
    if (entry.isDirectory()) copyAssets(from)
    else if (ASSETS.test(entry.name)) {
      const to = path.join(DIST, path.relative(SRC, from))
      fs.mkdirSync(path.dirname(to), { recursive: true })
      fs.copyFileSync(from, to)
    }
  }
}

async function packNpm() {
  const lock = fs.readFileSync(path.join(HERE, 'package-lock.json'))
  const want = crypto.createHash('sha256').update(lock).digest('hex')
  const stamp = path.join(DIST, 'miniprogram_npm', '.lock.sha256')
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === want) return 'unchanged'
  fs.rmSync(path.join(DIST, 'miniprogram_npm'), { recursive: true, force: true })
  const ci = require('miniprogram-ci')
  const result = await ci.packNpmManually({
    packageJsonPath: path.join(HERE, 'package.json'),
    miniprogramNpmDistDir: DIST,
  })
  if (result.warnList && result.warnList.length) console.warn('build: npm pack warnings', result.warnList)
  fs.writeFileSync(stamp, want)
  return `${result.miniProgramPackNum} mini-program package(s)`
}

async function main() {
  const only = process.argv[2]
  step('api types from the OpenAPI document', api)
  if (only === 'api') return
  step('clean dist/', clean)
  step('tsc', () => execFileSync(bin('tsc'), ['-p', HERE], { stdio: 'inherit', cwd: HERE }))
  step('assets', () => copyAssets())
  const began = Date.now()
  const packed = await packNpm()
  console.log(`build: miniprogram_npm ${packed} (${Date.now() - began} ms)`)
}

main().catch((error) => {
  console.error(`build failed: ${error.message}`)
  process.exit(1)
})
