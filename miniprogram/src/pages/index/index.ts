// The front door: apply (worker or employer), my applications, the respondent's way in, the guidance, settings.
import { definePage } from '../../lib/page'

definePage({
  data: {},
  methods: {
    onShow() {
      this.applyPrefs() // the language or the large display may have changed on the account page
    },
    go(event: WechatMiniprogram.CustomEvent) {
      wx.navigateTo({ url: String(event.currentTarget.dataset.url) })
    },
  },
})
