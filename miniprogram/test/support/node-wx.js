// wx.request, wx.uploadFile, wx.downloadFile and wx.login over node's http, for the shipped client code to talk
// to the real server the tests start: wx.login's code comes from the WeChat stand-in, as WeChat's would.
// `network.offline` fails every call at once (a phone without a network); `network.cutUploads` breaks the next N
// uploads half-way through their body. An upload has a connection of its own, as on a phone: a server that answers
// before reading the body (401, 409) closes it, and no later request may be sent down it.
const fs = require('fs')
const http = require('http')
const os = require('os')
const path = require('path')

const network = { offline: false, cutUploads: 0, openid: 'o-mp-test' }

function send(method, url, headers, body, onSent, agent) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, ...(agent === undefined ? {} : { agent }) }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ statusCode: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    if (onSent) onSent(req, body)
    else req.end(body)
  })
}

function request(options) {
  const method = (options.method || 'GET').toUpperCase()
  const headers = { ...(options.header || {}) }
  let body = options.data
  if (body !== undefined && typeof body !== 'string') body = JSON.stringify(body)
  if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body)
  if (network.offline) {
    setTimeout(() => options.fail && options.fail({ errMsg: 'request:fail network offline' }), 0)
    return { abort() {} }
  }
  send(method, options.url, headers, body).then(
    (res) => options.success && options.success({ statusCode: res.statusCode, header: res.headers, data: res.body.toString('utf8') }),
    (error) => options.fail && options.fail({ errMsg: `request:fail ${error.message}` }),
  )
  return { abort() {} }
}

function uploadFile(options) {
  const listeners = []
  const boundary = `----mp${Date.now().toString(16)}`
  const name = path.basename(options.filePath) // as WeChat does: the temporary file's name, not the person's
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${options.name}"; filename="${name}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  )
  const body = Buffer.concat([head, fs.readFileSync(options.filePath), Buffer.from(`\r\n--${boundary}--\r\n`)])
  const headers = { ...(options.header || {}), 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': body.length }
  const cut = network.cutUploads > 0
  if (cut) network.cutUploads -= 1
  let request = null
  const fail = (error) => options.fail && options.fail({ errMsg: `uploadFile:fail ${error.message}` })
  if (network.offline) {
    setTimeout(() => fail(new Error('network offline')), 0)
  } else {
    send('POST', options.url, headers, body, (req) => {
      request = req
      const step = Math.max(Math.ceil(body.length / 4), 1)
      let sent = 0
      const next = () => {
        if (cut && sent >= body.length / 2) return req.destroy(new Error('connection lost'))
        if (sent >= body.length) return req.end()
        req.write(body.subarray(sent, sent + step), () => {
          sent = Math.min(sent + step, body.length)
          listeners.forEach((l) => l({ progress: Math.round((sent / body.length) * 100), totalBytesSent: sent, totalBytesExpectedToSend: body.length }))
          next()
        })
      }
      next()
    }, false).then(
      (res) => options.success && options.success({ statusCode: res.statusCode, data: res.body.toString('utf8') }),
      fail,
    )
  }
  return { onProgressUpdate: (l) => listeners.push(l), abort: () => request && request.destroy(new Error('abort')) }
}

function downloadFile(options) {
  if (network.offline) {
    setTimeout(() => options.fail && options.fail({ errMsg: 'downloadFile:fail network offline' }), 0)
    return { abort() {} }
  }
  send('GET', options.url, options.header || {}, undefined).then(
    (res) => {
      const tempFilePath = path.join(os.tmpdir(), `mp-download-${Date.now()}-${Math.random().toString(36).slice(2)}`)
      fs.writeFileSync(tempFilePath, res.body)
      options.success && options.success({ statusCode: res.statusCode, tempFilePath })
    },
    (error) => options.fail && options.fail({ errMsg: `downloadFile:fail ${error.message}` }),
  )
  return { abort() {} }
}

function login(options) {
  const standin = process.env.MP_TEST_STANDIN
  send('POST', `${standin}standin/login-code`, { 'Content-Type': 'application/x-www-form-urlencoded' }, `openid=${encodeURIComponent(network.openid)}`).then(
    (res) => options.success && options.success({ code: JSON.parse(res.body.toString('utf8')).code, errMsg: 'login:ok' }),
    (error) => options.fail && options.fail({ errMsg: `login:fail ${error.message}` }),
  )
}

/** Put the node shims over the test `wx`. */
function useRealServer() {
  Object.assign(global.wx, { request, uploadFile, downloadFile, login })
}

module.exports = { network, useRealServer, send }
