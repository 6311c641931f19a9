// Signing in (wx.login, then POST /api/mp/session) and out (DELETE: every token of the person ends), the
// language (the pages' words and the API's messages) and the large display (大字版).
import { signIn, signOut, signedIn } from '../../lib/api/client'
import { definePage, messageOf } from '../../lib/page'
import { setLang, setLarge, type Lang } from '../../lib/prefs'

definePage({
  data: { signed: false, busy: false, problem: '' },
  methods: {
    onLoad() {
      this.setData({ signed: signedIn() })
    },
    async signIn() {
      this.setData({ busy: true, problem: '' })
      try {
        await signIn()
        this.setData({ signed: true })
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.network_error) })
      } finally {
        this.setData({ busy: false })
      }
    },
    async signOut() {
      this.setData({ busy: true, problem: '' })
      try {
        await signOut()
      } catch (error) {
        this.setData({ problem: messageOf(error, this.data.t.network_error) })
      } finally {
        this.setData({ busy: false, signed: signedIn() })
      }
    },
    myData() {
      wx.navigateTo({ url: '/pages/me/index' })
    },
    setLanguage(event: WechatMiniprogram.TouchEvent) {
      setLang(event.currentTarget.dataset.lang as Lang)
      this.applyPrefs()
    },
    setLarge(event: WechatMiniprogram.CustomEvent<{ value: boolean }>) {
      setLarge(!!event.detail.value)
      this.applyPrefs()
    },
  },
})
