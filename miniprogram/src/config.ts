// What a centre sets before building its own mini-program (docs/miniprogram.md): the address its server answers
// on. It must be an https address listed as a "request" and "uploadFile"/"downloadFile" legal domain in the
// mini-program's console (开发管理 → 服务器域名).
export const API_BASE = 'https://mediation.example.cn'
