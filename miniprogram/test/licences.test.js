// Every package the build ships in miniprogram_npm is named, with its version and licence, in THIRD_PARTY.md.
const fs = require('fs')
const path = require('path')

const HERE = path.join(__dirname, '..')

test('THIRD_PARTY.md names every shipped package and the pinned version of each direct one', () => {
  const notice = fs.readFileSync(path.join(HERE, 'THIRD_PARTY.md'), 'utf8')
  const lock = JSON.parse(fs.readFileSync(path.join(HERE, 'package-lock.json'), 'utf8'))
  const npm = path.join(HERE, 'dist', 'miniprogram_npm')
  const shipped = fs.readdirSync(npm).filter((name) => !name.startsWith('.'))
  expect(shipped).toContain('tdesign-miniprogram')
  for (const name of shipped) {
    const version = lock.packages[`node_modules/${name}`].version
    expect(notice).toContain(`| ${name} | ${version} |`)
    const bundled = path.join(npm, name, 'miniprogram_npm')
    for (const inner of fs.existsSync(bundled) ? fs.readdirSync(bundled) : []) {
      expect(notice).toMatch(new RegExp(`\\| ${inner} \\| as bundled by ${name} ${version} \\| (MIT|0BSD)`))
    }
  }
})
