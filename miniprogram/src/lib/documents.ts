// A document opened on the phone: downloaded with the session's token (wx.downloadFile, the PDF copy), then shown
// by wx.openDocument. The server records the party's first download in the document's service record (送达:
// services/cases/service.py `mark_downloaded`), so opening a document here is what serves it on the person.
import { download } from './api/client'

/** Open the document the API serves at `path` (a `download` it answered, or api.documentPath). */
export async function openPdf(path: string): Promise<void> {
  const url = /[?&]format=/.test(path) ? path : `${path}${path.includes('?') ? '&' : '?'}format=pdf`
  const filePath = await download(url)
  await new Promise((resolve, reject) => wx.openDocument({ filePath, fileType: 'pdf', showMenu: true, success: resolve, fail: reject }))
}
