// Stops the server global-setup.js started (SIGTERM, then SIGKILL after 10 s) and removes its configuration.
const fs = require('fs')

module.exports = async function globalTeardown() {
  if (globalThis.__MP_CONFIG__) fs.rmSync(globalThis.__MP_CONFIG__, { force: true })
  const child = globalThis.__MP_SERVER__
  if (!child || child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10000)
  await exited
  clearTimeout(timer)
}
