// The back office over HTTP, as a staff member's browser uses it: sign in (the _xsrf cookie, then the form), read
// a page, post a case action. For asserting that what the mini-program sent arrived.
const { send } = require('./node-wx')

class Office {
  constructor(base) {
    this.base = base
    this.cookies = {}
  }

  headers(extra = {}) {
    const cookie = Object.entries(this.cookies).map(([k, v]) => `${k}=${v}`).join('; ')
    return { ...(cookie ? { Cookie: cookie } : {}), ...extra }
  }

  remember(res) {
    for (const line of [].concat(res.headers['set-cookie'] || [])) {
      const [pair] = line.split(';')
      const at = pair.indexOf('=')
      const name = pair.slice(0, at).trim()
      const value = pair.slice(at + 1).trim()
      if (value && !/expires=Thu, 01 Jan 1970/i.test(line)) this.cookies[name] = value
      else delete this.cookies[name]
    }
    return res
  }

  async get(path) {
    const res = this.remember(await send('GET', this.base + path, this.headers(), undefined))
    return { status: res.statusCode, text: res.body.toString('utf8'), location: res.headers.location }
  }

  async post(path, form) {
    const body = new URLSearchParams({ ...form, _xsrf: this.cookies._xsrf || '' }).toString()
    const res = this.remember(
      await send('POST', this.base + path, this.headers({ 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) }), body),
    )
    return { status: res.statusCode, text: res.body.toString('utf8'), location: res.headers.location }
  }

  async signIn(login, password) {
    await this.get('/office/login')
    const res = await this.post('/office/login', { login, password })
    if (res.status !== 302) throw new Error(`office sign-in answered ${res.status}`)
    return res
  }
}

module.exports = { Office }
