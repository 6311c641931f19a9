// Starts the real server once for the test run (python app.py --standins, on a free port, the in-memory engine,
// a first administrator for the back office), and says where it and its WeChat stand-in listen through the
// environment the test files inherit. test/support/global-teardown.js stops it.
const { spawn } = require('child_process')
const fs = require('fs')
const net = require('net')
const os = require('os')
const path = require('path')
const http = require('http')

const REPO = path.resolve(__dirname, '..', '..', '..')
const ADMIN = 'mpadmin'
const ADMIN_PASSWORD = 'Mini-Program-Test-1!'
const OLD_NOTICE = '2000-01' // a notice version older than any the centre lists

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

function healthy(base) {
  return new Promise((resolve) => {
    http.get(`${base}/healthz`, (res) => { res.resume(); resolve(res.statusCode === 200) }).on('error', () => resolve(false))
  })
}

module.exports = async function globalSetup() {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const logPath = path.join(os.tmpdir(), `mp-test-server-${port}.log`)
  const log = fs.openSync(logPath, 'w')
  const python = process.env.PYTHON || path.join(REPO, '.venv', 'bin', 'python')
  // The centre's config.yaml with an older notice version still accepted before the one in force, so a test can
  // apply under the older one and meet the 409 consent_required that asks again (test/client-data.test.js).
  const config = path.join(os.tmpdir(), `mp-test-config-${port}.yaml`)
  const yaml = fs.readFileSync(path.join(REPO, 'config.yaml'), 'utf8')
  const versions = /^consent_versions:\s*\[([^\]]*)\]/m.exec(yaml)
  const listed = versions ? versions[1].split(',').map((v) => v.trim()).filter(Boolean) : []
  fs.writeFileSync(config, yaml.replace(/^consent_versions:.*$/m, `consent_versions: [${[JSON.stringify(OLD_NOTICE), ...listed].join(', ')}]`))
  globalThis.__MP_CONFIG__ = config
  const child = spawn(python, [path.join(REPO, 'app.py'), '--standins', '--port', String(port), '--config', config], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH,
      PYTHONUNBUFFERED: '1',
      MONGODB_URI: 'mongomock://',
      BOOTSTRAP_ADMIN: `${ADMIN}:${ADMIN_PASSWORD}`,
    },
    stdio: ['ignore', log, log],
  })
  globalThis.__MP_SERVER__ = child
  const deadline = Date.now() + 60000
  let standin = null
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${fs.readFileSync(logPath, 'utf8')}`)
    const found = /WeChat stand-in on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(fs.readFileSync(logPath, 'utf8'))
    if (found) standin = found[1]
    if (standin && (await healthy(base))) break
    await new Promise((r) => setTimeout(r, 200))
  }
  if (!standin || !(await healthy(base))) {
    child.kill('SIGKILL')
    throw new Error(`the server did not start in 60 s:\n${fs.readFileSync(logPath, 'utf8')}`)
  }
  process.env.MP_TEST_SERVER = base
  process.env.MP_TEST_STANDIN = standin
  process.env.MP_TEST_ADMIN = `${ADMIN}:${ADMIN_PASSWORD}`
  process.env.MP_TEST_SERVER_LOG = logPath
  process.env.MP_TEST_OLD_NOTICE = OLD_NOTICE
}
