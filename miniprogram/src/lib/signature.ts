// The signature pad: strokes drawn on a 2d canvas, turned into the PNG data URL the API takes
// (data:image/png;base64,...), through wx.canvasToTempFilePath and the file system manager.
export interface Pad {
  canvas: WechatMiniprogram.Canvas | null
  context: WechatMiniprogram.CanvasRenderingContext.CanvasRenderingContext2D | null
  strokes: number
}

export function findPad(page: { createSelectorQuery(): WechatMiniprogram.SelectorQuery }, selector: string): Promise<Pad> {
  return new Promise((resolve) => {
    if (!page.createSelectorQuery) return resolve({ canvas: null, context: null, strokes: 0 }) // no layout (tests)
    page
      .createSelectorQuery()
      .select(selector)
      .fields({ node: true, size: true })
      .exec((found: Array<{ node?: WechatMiniprogram.Canvas; width?: number; height?: number } | null>) => {
        const hit = found && found[0]
        if (!hit || !hit.node) return resolve({ canvas: null, context: null, strokes: 0 })
        const canvas = hit.node
        const ratio = wx.getWindowInfo ? wx.getWindowInfo().pixelRatio : 2
        canvas.width = (hit.width || 300) * ratio
        canvas.height = (hit.height || 180) * ratio
        const context = canvas.getContext('2d') as WechatMiniprogram.CanvasRenderingContext.CanvasRenderingContext2D
        context.scale(ratio, ratio)
        context.lineWidth = 3
        context.lineCap = 'round'
        context.strokeStyle = '#1a1a1a'
        resolve({ canvas, context, strokes: 0 })
      })
  })
}

export function toDataUrl(pad: Pad): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.canvasToTempFilePath({
      canvas: pad.canvas as unknown as WechatMiniprogram.Component.TrivialInstance,
      fileType: 'png',
      success: (result) =>
        wx.getFileSystemManager().readFile({
          filePath: result.tempFilePath,
          encoding: 'base64',
          success: (read) => resolve(`data:image/png;base64,${read.data as string}`),
          fail: reject,
        }),
      fail: reject,
    })
  })
}
