// The API client: every call the mini-program makes goes through `call` (JSON), `upload` (evidence, with
// progress) or `download` (documents). It signs in with wx.login and POST /api/mp/session, sends our bearer
// token, and on a 401 signs in again and repeats the call once (there is no refresh endpoint: a token that
// expired is simply replaced), so a page never loses what was typed to an expired session.
// Errors come back as ApiError, with every field problem the API named (docs/contracts.md#errors).
// A 409 `consent_required` (the notice changed since the person accepted it: a draft, an upload, subscribe
// messages wait for it) shows what changed and asks again; accepted (PUT /api/mp/consents/notice with the version
// the answer named), the call is repeated once, so the step goes on with what was typed.
import { API_BASE } from '../../config'
import { strings } from '../i18n'
import { acceptLanguage, lang } from '../prefs'
import type { Answer, ConsentStatus, ErrorBody, FieldError, JsonBody, Method, Operation, Paths, PathParams, QueryParams, StoredFile } from './types'

const TOKEN = 'session.token'
const TOKEN_SLACK_MS = 60 * 1000 // a token this close to its end is replaced before use

let base = API_BASE

/** Where the API lives (config.ts; the tests point it at the server they start). */
export function setBaseUrl(url: string): void {
  base = url.replace(/\/+$/, '')
}

export function baseUrl(): string {
  return base
}

export class ApiError extends Error {
  /** 0 when the network failed (nothing reached the server, or its answer never came back). */
  readonly status: number
  readonly code: string
  readonly field: string
  readonly errors: FieldError[]
  /** what a program acts on (a 409 consent_required: `consent` {purpose, version, changes}) */
  readonly details: Record<string, unknown>

  constructor(status: number, body: Partial<ErrorBody> | null, fallback: string) {
    const first = body && body.error
    super((first && first.message) || fallback)
    this.status = status
    this.code = (first && first.code) || (status === 0 ? 'network' : `http_${status}`)
    this.field = (first && first.field) || ''
    this.errors = (body && body.errors) || (first ? [first] : [])
    this.details = (body && (body.details as Record<string, unknown>)) || {}
  }

  get network(): boolean {
    return this.status === 0
  }

  /** Each field's message by its dotted path (applicant.id_number); the problems without a field under "". */
  byField(): Record<string, string> {
    const out: Record<string, string> = {}
    for (const error of this.errors.length ? this.errors : [{ code: this.code, field: this.field, message: this.message }]) {
      const key = error.field || ''
      if (!(key in out)) out[key] = error.message
    }
    return out
  }
}

interface Session {
  token: string
  expires: number
}

function storedSession(): Session | null {
  const value = wx.getStorageSync(TOKEN) as Session | ''
  return value && value.token && value.expires > Date.now() + TOKEN_SLACK_MS ? value : null
}

export function signedIn(): boolean {
  return storedSession() !== null
}

function forgetSession(): void {
  wx.removeStorageSync(TOKEN)
}

function wxLogin(): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (result) => (result.code ? resolve(result.code) : reject(new ApiError(0, null, 'wx.login gave no code'))),
      fail: (error) => reject(new ApiError(0, null, error.errMsg)),
    })
  })
}

let signingIn: Promise<Session> | null = null

/** wx.login, then our session: one at a time, however many calls found themselves signed out at once. */
export function signIn(): Promise<Session> {
  if (!signingIn) {
    signingIn = (async () => {
      const code = await wxLogin()
      const answer = await send<{ token: string; expires_in: number }>('POST', '/api/mp/session', { code }, {})
      const session = { token: answer.token, expires: Date.now() + answer.expires_in * 1000 }
      noticeChecked = false // perhaps another person: their notice is checked again before an upload
      wx.setStorageSync(TOKEN, session)
      return session
    })()
    signingIn.then(
      () => (signingIn = null),
      () => (signingIn = null),
    )
  }
  return signingIn
}

/** Sign out: every token of this person ends (DELETE /api/mp/session); the phone forgets its own. */
export async function signOut(): Promise<void> {
  const session = storedSession()
  forgetSession()
  if (session) {
    try {
      await send('DELETE', '/api/mp/session', undefined, { Authorization: `Bearer ${session.token}` })
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error
    }
  }
}

/** For tests and the account page: the token in use (null when signed out). */
export function currentToken(): string | null {
  const session = storedSession()
  return session && session.token
}

function send<T>(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    wx.request({
      url: base + path,
      method: method as 'GET',
      data: body === undefined ? undefined : (body as WechatMiniprogram.IAnyObject),
      header: { 'Accept-Language': acceptLanguage(), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      dataType: '其他', // the body is parsed here, so an error's JSON is read the same way as an answer's
      responseType: 'text',
      success: (response) => {
        const text = typeof response.data === 'string' ? response.data : ''
        let parsed: unknown = null
        try {
          parsed = text ? JSON.parse(text) : null
        } catch (_error) {
          parsed = null
        }
        if (response.statusCode >= 200 && response.statusCode < 300) resolve(parsed as T)
        else reject(new ApiError(response.statusCode, parsed as ErrorBody, `HTTP ${response.statusCode}`))
      },
      fail: (error) => reject(new ApiError(0, null, error.errMsg)),
    })
  })
}

/** Paths a person reaches before proving anything: the reference data, the invitation and its code. */
const OPEN = ['/api/mp/invitations/{serial}/{token}', '/api/mp/invitations/{serial}/{token}/code']

function needsSession(template: string): boolean {
  return template.startsWith('/api/mp/') && template !== '/api/mp/session' && !OPEN.includes(template)
}

/** Run `attempt` with a token; on a 401 sign in again and run it once more. */
async function signedCall<T>(attempt: (token: string) => Promise<T>): Promise<T> {
  const session = storedSession() || (await signIn())
  try {
    return await attempt(session.token)
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error
    forgetSession()
    return attempt((await signIn()).token)
  }
}

export interface ConsentAsked {
  purpose: string
  version: string
  changes: string
}

/** Ask the person again for the notice in force: what changed, in a dialog; true once accepted. Replaceable (the
 * tests, or a centre that shows the whole notice on a page of its own). */
export let askConsent = (asked: ConsentAsked): Promise<boolean> => {
  const t = strings(lang())
  return new Promise((resolve) =>
    wx.showModal({
      title: t.notice_changed,
      content: asked.changes || t.notice_changed,
      confirmText: t.notice_accept,
      cancelText: t.notice_later,
      success: (answer) => resolve(!!answer.confirm),
      fail: () => resolve(false),
    }),
  )
}

export function setConsentAsker(asker: typeof askConsent): void {
  askConsent = asker
}

/** A 409 consent_required: asked again, and accepted on the server; false when the person declined. */
async function renewConsent(error: ApiError, token: string): Promise<boolean> {
  const asked = error.details.consent as ConsentAsked | undefined
  if (!asked || !asked.version || !(await askConsent(asked))) return false
  const purpose = encodeURIComponent(asked.purpose || 'notice')
  await send('PUT', `/api/mp/consents/${purpose}`, { granted: true, version: asked.version }, { Authorization: `Bearer ${token}` })
  return true
}

/** A signed call; a 409 consent_required asks again and, accepted, repeats the call once. */
async function withSession<T>(attempt: (token: string) => Promise<T>): Promise<T> {
  try {
    return await signedCall(attempt)
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 409 || error.code !== 'consent_required') throw error
    const token = currentToken() || (await signIn()).token
    if (!(await renewConsent(error, token))) throw error
    return signedCall(attempt)
  }
}

export function fill(template: string, params: Record<string, string> | undefined, query?: Record<string, unknown>): string {
  const path = template.replace(/\{(\w+)\}/g, (_all, name: string) => encodeURIComponent(String((params || {})[name])))
  const pairs = Object.keys(query || {})
    .filter((key) => query && query[key] !== undefined && query[key] !== '')
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(String(query && query[key]))}`)
  return pairs.length ? `${path}?${pairs.join('&')}` : path
}

type CallOptions<O> = {
  path?: PathParams<O>
  query?: QueryParams<O>
  body?: JsonBody<O>
  headers?: Record<string, string>
}

/** One call of the API, typed from the OpenAPI document: `call('/api/mp/drafts/{kind}', 'put', {path, body})`. */
export async function call<P extends keyof Paths, M extends Method>(
  template: P,
  method: M,
  options: CallOptions<Operation<P, M>> = {},
): Promise<Answer<Operation<P, M>>> {
  const url = fill(template as string, options.path as Record<string, string> | undefined, options.query as Record<string, unknown>)
  const verb = method.toUpperCase()
  const headers = options.headers || {}
  if (!needsSession(template as string)) {
    const session = storedSession() // the invitation's claim is signed; reading it is not
    return send(verb, url, options.body, session ? { ...headers, Authorization: `Bearer ${session.token}` } : headers)
  }
  return withSession((token) => send(verb, url, options.body, { ...headers, Authorization: `Bearer ${token}` }))
}

let noticeChecked = false

/** Before an upload, the notice in force (GET /api/mp/consents), asked again where the person accepted an older
 * one. The server refuses such an upload with 409 consent_required before reading its body and closes the
 * connection, which a phone still sending the file may see as a network failure rather than the answer: so the
 * client asks first. Best effort: a failure here leaves it to the server's answer. */
async function noticeBeforeUpload(token: string): Promise<void> {
  if (noticeChecked) return
  try {
    const status = await send<ConsentStatus>('GET', '/api/mp/consents', undefined, { Authorization: `Bearer ${token}` })
    const notice = status.notice
    if (notice.accepted_version && !notice.current) {
      const asked = { purpose: 'notice', version: notice.version, changes: notice.changes }
      if (!(await askConsent(asked))) return
      await send('PUT', '/api/mp/consents/notice', { granted: true, version: notice.version }, { Authorization: `Bearer ${token}` })
    }
    noticeChecked = true
  } catch (_error) {
    // the upload goes on; a 409 consent_required it meets is handled as any call's
  }
}

export interface UploadHandle {
  done: Promise<StoredFile>
  abort(): void
}

/** Upload one piece of evidence (POST /api/mp/files, multipart field `file`), reporting progress 0-100. */
export function upload(filePath: string, name: string, onProgress: (percent: number) => void): UploadHandle {
  let task: WechatMiniprogram.UploadTask | null = null
  let aborted = false
  const done = withSession(async (token) => {
    await noticeBeforeUpload(token)
    return new Promise<StoredFile>((resolve, reject) => {
      if (aborted) return reject(new ApiError(0, null, 'uploadFile:fail abort'))
      task = wx.uploadFile({
        url: `${base}/api/mp/files`,
        filePath,
        name: 'file',
        header: { Authorization: `Bearer ${token}`, 'Accept-Language': acceptLanguage(), 'X-File-Name': encodeURIComponent(name) },
        formData: { name },
        success: (response) => {
          let parsed: unknown = null
          try {
            parsed = JSON.parse(response.data)
          } catch (_error) {
            parsed = null
          }
          if (response.statusCode === 201) resolve(parsed as StoredFile)
          else reject(new ApiError(response.statusCode, parsed as ErrorBody, `HTTP ${response.statusCode}`))
        },
        fail: (error) => reject(new ApiError(0, null, error.errMsg)),
      })
      if (task && task.onProgressUpdate) task.onProgressUpdate((progress) => onProgress(progress.progress))
    })
  })
  return {
    done,
    abort() {
      aborted = true
      if (task) task.abort()
    },
  }
}

/** Download a file the API serves to this person (a document) into a temporary file; its path. */
export function download(path: string): Promise<string> {
  return withSession(
    (token) =>
      new Promise<string>((resolve, reject) => {
        wx.downloadFile({
          url: base + path,
          header: { Authorization: `Bearer ${token}`, 'Accept-Language': acceptLanguage() },
          success: (response) => {
            if (response.statusCode === 200) resolve(response.tempFilePath)
            else reject(new ApiError(response.statusCode, null, `HTTP ${response.statusCode}`))
          },
          fail: (error) => reject(new ApiError(0, null, error.errMsg)),
        })
      }),
  )
}

/** A fresh Idempotency-Key (8-100 of [A-Za-z0-9_.:-]). */
export function idempotencyKey(prefix: string): string {
  const random = Math.random().toString(36).slice(2, 12)
  return `${prefix}-${Date.now().toString(36)}-${random}`
}
