// The mini-program's tests (docs/miniprogram.md#tests): pages rendered by miniprogram-simulate under jsdom, the
// API client against the real server (test/support/global-setup.js starts it), accessibility in node.
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/test/**/*.test.js'],
  setupFiles: ['<rootDir>/test/setup.js'],
  transform: { 'miniprogram_npm/.+\\.js$': '<rootDir>/test/esm-transform.js' },
  transformIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 60000,
}
