// The respondent's way in: the invitation from the text message (its link, or the serial and invitation code;
// opened from a link to the mini-program it comes as ?serial=&token=), a one-time code sent to the phone on
// file, and the claim that ties the case to this WeChat user (POST .../claim, signed in), with the respondent's
// 送达地址确认书 when they give it here (else their case's service page asks for it).
import { ApiError } from '../../../lib/api/client'
import { api } from '../../../lib/api/endpoints'
import type { Invitation } from '../../../lib/api/types'
import { definePage, messageOf } from '../../../lib/page'

const LINK = /invitations\/(\d{14})\/([A-Za-z0-9_-]{16,64})/

let timer: number | null = null

definePage({
  data: {
    link: '',
    serial: '',
    token: '',
    code: '',
    electronic: false,
    address: '',
    recipient: '',
    invitation: null as Invitation | null,
    wait: 0,
    errors: {} as Record<string, string>,
    problem: '',
    busy: false,
  },
  methods: {
    onLoad(query: Record<string, string>) {
      if (query.serial && query.token) {
        this.setData({ serial: query.serial, token: query.token })
        return this.find()
      }
      return undefined
    },
    onLink(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      const found = LINK.exec(event.detail.value || '')
      this.setData(found ? { link: event.detail.value, serial: found[1], token: found[2] } : { link: event.detail.value })
    },
    onSerial(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ serial: (event.detail.value || '').trim() })
    },
    onToken(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ token: (event.detail.value || '').trim() })
    },
    onCode(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ code: (event.detail.value || '').trim() })
    },
    onElectronic(event: WechatMiniprogram.CustomEvent<{ value: boolean }>) {
      this.setData({ electronic: !!event.detail.value })
    },
    onAddress(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ address: event.detail.value })
    },
    onRecipient(event: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ recipient: event.detail.value })
    },
    fail(error: unknown) {
      if (error instanceof ApiError && error.field) {
        const errors: Record<string, string> = {}
        const byField = error.byField()
        for (const path of Object.keys(byField)) errors[path.replace('.', '_')] = byField[path] // service.address → service_address
        this.setData({ errors })
      }
      else this.setData({ problem: messageOf(error, this.data.t.network_error) })
    },
    async find() {
      this.setData({ busy: true, problem: '', errors: {} })
      try {
        this.setData({ invitation: await api.invitation(this.data.serial, this.data.token) })
      } catch (error) {
        this.fail(error)
      } finally {
        this.setData({ busy: false })
      }
    },
    async sendCode() {
      this.setData({ busy: true, problem: '', errors: {} })
      try {
        const sent = await api.sendCode(this.data.serial, this.data.token)
        this.countdown(sent.resend_after)
      } catch (error) {
        this.fail(error)
      } finally {
        this.setData({ busy: false })
      }
    },
    countdown(seconds: number) {
      this.setData({ wait: seconds })
      if (timer !== null) clearInterval(timer)
      if (seconds <= 0) return
      timer = setInterval(() => {
        const left = this.data.wait - 1
        this.setData({ wait: Math.max(left, 0) })
        if (left <= 0 && timer !== null) {
          clearInterval(timer)
          timer = null
        }
      }, 1000) as unknown as number
    },
    async claim() {
      this.setData({ busy: true, problem: '', errors: {} })
      try {
        const { electronic, address, recipient } = this.data
        const service = electronic || address.trim() ? { electronic, address, recipient: recipient || null } : undefined
        await api.claim(this.data.serial, this.data.token, this.data.code, service)
        wx.redirectTo({ url: `/pages/respondent/case/index?serial=${this.data.serial}` })
      } catch (error) {
        this.fail(error)
      } finally {
        this.setData({ busy: false })
      }
    },
  },
})
