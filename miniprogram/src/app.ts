// The mini-program: pages are listed in app.json (their order is the tab of docs/miniprogram.md's page list).
App({
  globalData: {},
})
