// The person's choices, kept on the phone: the language (Chinese or English: every page's words, and the API's
// messages through Accept-Language) and the large display (大字版). Without a choice, the phone's language.
export type Lang = 'zh' | 'en'

const LANG = 'prefs.lang'
const LARGE = 'prefs.large'

function systemLang(): Lang {
  try {
    const info = wx.getAppBaseInfo ? wx.getAppBaseInfo() : wx.getSystemInfoSync()
    return /^en/i.test(info.language || '') ? 'en' : 'zh'
  } catch (_error) {
    return 'zh'
  }
}

export function lang(): Lang {
  const chosen = wx.getStorageSync(LANG)
  return chosen === 'en' || chosen === 'zh' ? chosen : systemLang()
}

export function setLang(value: Lang): void {
  wx.setStorageSync(LANG, value)
}

export function large(): boolean {
  return wx.getStorageSync(LARGE) === true
}

export function setLarge(value: boolean): void {
  wx.setStorageSync(LARGE, value)
}

/** What every API call says in Accept-Language: the API answers its messages in it. */
export function acceptLanguage(): string {
  return lang() === 'en' ? 'en' : 'zh-CN'
}
