// TDesign ships its mini-program code as ES modules (WeChat's compiler turns them into CommonJS when it builds);
// jest needs CommonJS: the TypeScript compiler we already use transpiles them the same way.
const ts = require('typescript')

module.exports = {
  process(source, filename) {
    const out = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2018, allowJs: true, esModuleInterop: true },
    })
    return { code: out.outputText }
  },
}
