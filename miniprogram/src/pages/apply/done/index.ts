// The serial at once (业务流水号), the moment the application is in.
import { definePage } from '../../../lib/page'

definePage({
  data: { serial: '' },
  methods: {
    onLoad(query: Record<string, string>) {
      this.setData({ serial: query.serial || '' })
    },
    view() {
      wx.redirectTo({ url: `/pages/cases/detail/index?serial=${this.data.serial}` })
    },
    home() {
      wx.reLaunch({ url: '/pages/index/index' })
    },
  },
})
