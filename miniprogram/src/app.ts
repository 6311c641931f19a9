// The mini-program: its pages are listed in app.json (docs/miniprogram.md#pages says what each does).
App({
  globalData: {},
})
