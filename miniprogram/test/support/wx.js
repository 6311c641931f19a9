// A `wx` for tests: storage in memory, navigation and toasts recorded, and the network answered by `routes`
// (page tests) or by the real server (test/support/node-wx.js, for the API client's tests).
const calls = { navigate: [], toast: [], subscribe: [], opened: [], modal: [], uploads: [], downloads: [] }
let storage = {}
let routes = []
let subscribeAnswer = {}
let uploadPlan = [] // 'ok' or 'fail', one per upload to come (then 'ok')
let modalConfirms = true // what the person answers a wx.showModal
let downloadPlan = [] // the status of each download to come (then 200)
let chosen = [] // what wx.chooseMedia / wx.chooseMessageFile hand back
let inflight = 0 // answers scheduled and not yet given (the tests wait for none)

/** Answer later, as the network would, counting the answer in flight until it is given. */
function later(fn) {
  inflight += 1
  setTimeout(() => {
    try {
      fn()
    } finally {
      inflight -= 1
    }
  }, 0)
}

function reset() {
  storage = {}
  routes = []
  subscribeAnswer = {}
  uploadPlan = []
  downloadPlan = []
  modalConfirms = true
  chosen = []
  for (const key of Object.keys(calls)) calls[key].length = 0
}

/** Answer wx.request for METHOD PATH (a string or RegExp over the path without the query) with a status and a
 * body, or a function (request) => [status, body]; `null` as status: the network fails. */
function route(method, path, answer) {
  routes.unshift({ method, path, answer })
}

function match(method, url) {
  const bare = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0]
  return routes.find((r) => r.method === method && (typeof r.path === 'string' ? r.path === bare : r.path.test(bare)))
}

function fakeRequest(options) {
  const method = (options.method || 'GET').toUpperCase()
  const found = match(method, options.url)
  const requests = (fakeRequest.seen = fakeRequest.seen || [])
  requests.push({ method, url: options.url, data: options.data, header: options.header })
  later(() => {
    if (!found) return options.fail && options.fail({ errMsg: `request:fail no route for ${method} ${options.url}` })
    const [status, body] = typeof found.answer === 'function' ? found.answer(options) : found.answer
    if (status === null) return options.fail && options.fail({ errMsg: 'request:fail timeout' })
    options.success && options.success({ statusCode: status, data: body === undefined ? '' : JSON.stringify(body), header: {} })
  })
  return { abort() {} }
}

function installWx() {
  const wx = {
    getStorageSync: (key) => (key in storage ? storage[key] : ''),
    setStorageSync: (key, value) => { storage[key] = JSON.parse(JSON.stringify(value)) },
    removeStorageSync: (key) => { delete storage[key] },
    getAppBaseInfo: () => ({ language: 'zh_CN', SDKVersion: '3.7.0', platform: 'devtools', theme: 'light' }),
    getWindowInfo: () => ({ windowWidth: 320, windowHeight: 640, pixelRatio: 2, screenWidth: 320, screenHeight: 640, statusBarHeight: 20, safeArea: { top: 20, bottom: 640, left: 0, right: 320, width: 320, height: 620 } }),
    getDeviceInfo: () => ({ platform: 'devtools', system: 'test', brand: 'test', model: 'test' }),
    getSystemInfoSync: () => ({ language: 'zh_CN', windowWidth: 320, SDKVersion: '3.7.0', platform: 'devtools' }),
    navigateTo: (o) => { calls.navigate.push(o.url) },
    redirectTo: (o) => { calls.navigate.push(o.url) },
    reLaunch: (o) => { calls.navigate.push(o.url) },
    navigateBack: () => { calls.navigate.push('back') },
    showToast: (o) => { calls.toast.push(o.title) },
    showModal: (o) => { calls.modal.push(o); o.success && o.success({ confirm: modalConfirms, cancel: !modalConfirms }) },
    showLoading: () => {},
    hideLoading: () => {},
    login: (o) => later(() => o.success({ code: 'test-code', errMsg: 'login:ok' })),
    request: fakeRequest,
    requestSubscribeMessage: (o) => {
      calls.subscribe.push(o.tmplIds)
      const answer = { errMsg: 'requestSubscribeMessage:ok' }
      for (const id of o.tmplIds) answer[id] = subscribeAnswer[id] || 'reject'
      later(() => o.success(answer))
    },
    uploadFile: (o) => {
      const listeners = []
      calls.uploads.push(o)
      const plan = uploadPlan.shift() || 'ok'
      later(() => {
        listeners.forEach((l) => l({ progress: 50 }))
        if (plan === 'fail') return o.fail && o.fail({ errMsg: 'uploadFile:fail timeout' })
        listeners.forEach((l) => l({ progress: 100 }))
        const id = String(calls.uploads.length).padStart(32, 'a')
        o.success({ statusCode: 201, data: JSON.stringify({ id, name: 'tmp.png', kind: 'image', size: 10, created_at: '2026-11-22T10:00:00+08:00', captured_at: null }) })
      })
      return { onProgressUpdate: (l) => listeners.push(l), abort() {} }
    },
    downloadFile: (o) => {
      calls.downloads.push(o)
      const statusCode = downloadPlan.shift() || 200
      later(() => o.success({ statusCode, tempFilePath: '/tmp/doc.pdf' }))
      return { abort() {} }
    },
    chooseMedia: (o) => later(() => o.success({ tempFiles: chosen.map((p) => ({ tempFilePath: p, size: 10, fileType: 'image' })) })),
    chooseMessageFile: (o) => later(() => o.success({ tempFiles: chosen.map((p) => ({ path: p, name: p.split('/').pop(), size: 10 })) })),
    canvasToTempFilePath: (o) => later(() => o.success({ tempFilePath: '/tmp/sign.png' })),
    getFileSystemManager: () => ({ readFile: (o) => later(() => o.success({ data: 'iVBORw0KGgo=' })) }),
    stopPullDownRefresh: () => {},
    openDocument: (o) => { calls.opened.push(o); later(() => o.success && o.success({})) },
  }
  global.wx = wx
  return wx
}

module.exports = {
  installWx,
  reset,
  route,
  calls,
  requests: () => fakeRequest.seen || [],
  storage: () => storage,
  busy: () => inflight > 0,
  planUploads: (plan) => { uploadPlan = plan.slice() },
  planDownloads: (plan) => { downloadPlan = plan.slice() },
  answerModals: (confirm) => { modalConfirms = confirm },
  choose: (paths) => { chosen = paths.slice() },
  acceptSubscriptions: (ids) => ids.forEach((id) => (subscribeAnswer[id] = 'accept')),
}
