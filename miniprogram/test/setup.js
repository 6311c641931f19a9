// Before each test file: the mini-program's globals (getApp, getCurrentPages) and a `wx` whose storage,
// navigation and dialogs are recorded in memory (test/support/wx.js); miniprogram-simulate fills in the rest.
const { installWx } = require('./support/wx')

global.getApp = () => ({ globalData: {} })
global.getCurrentPages = () => []
installWx()
