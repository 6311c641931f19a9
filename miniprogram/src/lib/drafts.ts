// The application being written, kept twice: on the phone (wx storage, at every step, so a network loss or a
// closed mini-program loses nothing typed) and on the server (PUT /api/mp/drafts/{kind}, shared with the H5
// pages). A step saved without a network is marked pending and sent again with the next step, when a page of
// the application opens, and before submitting.
import { api } from './api/endpoints'
import { ApiError } from './api/client'
import type { Draft, Kind, StoredFile } from './api/types'

interface Local {
  values: Draft
  pending: boolean
  files: StoredFile[]
}

const key = (kind: Kind) => `draft.${kind}`

function read(kind: Kind): Local | null {
  const value = wx.getStorageSync(key(kind)) as Local | ''
  return value && value.values ? value : null
}

function write(kind: Kind, local: Local): void {
  wx.setStorageSync(key(kind), local)
}

export function values(kind: Kind): Draft {
  const local = read(kind)
  return local ? local.values : ({ kind } as Draft)
}

export function files(kind: Kind): StoredFile[] {
  const local = read(kind)
  return (local && local.files) || []
}

export function pending(kind: Kind): boolean {
  const local = read(kind)
  return !!(local && local.pending)
}

type Part = 'applicant' | 'respondent' | 'claim' | 'service' | 'consent' | 'evidence'

/** Keep one step's values on the phone (merged into their part), marked to be sent. */
export function keep(kind: Kind, part: Part, value: unknown, stored?: StoredFile[]): Draft {
  const local = read(kind) || { values: { kind } as Draft, pending: false, files: [] }
  const draft = { ...local.values } as Record<string, unknown>
  if (part === 'consent' || part === 'evidence') draft[part] = value
  else draft[part] = { ...((draft[part] as object) || {}), ...(value as object) }
  write(kind, { values: draft as Draft, pending: true, files: stored || local.files || [] })
  return draft as Draft
}

export type SyncResult = 'saved' | 'offline'

/** Send the phone's draft to the server. A network loss keeps it pending ('offline'); a refusal (422, the
 * API naming each field) is thrown as ApiError for the page to show beside its fields. */
export async function sync(kind: Kind): Promise<SyncResult> {
  const local = read(kind)
  if (!local) return 'saved'
  const body = { ...local.values, kind } as Record<string, unknown>
  delete body.updated_at
  try {
    await api.saveDraft(kind, body as Draft)
  } catch (error) {
    if (error instanceof ApiError && (error.network || error.status === 503)) return 'offline'
    throw error
  }
  const now = read(kind)
  if (now && JSON.stringify(now.values) === JSON.stringify(local.values)) write(kind, { ...now, pending: false })
  return 'saved'
}

/** The draft to show: the phone's (sent again if pending), else the server's (its numbers masked: sent back
 * unchanged, a mask keeps the stored number), else an empty one. */
export async function restore(kind: Kind): Promise<Draft> {
  const local = read(kind)
  if (local) {
    if (local.pending) {
      try {
        await sync(kind)
      } catch (_error) {
        // a refused field shows on its step; the draft stays as typed
      }
    }
    return local.values
  }
  try {
    const view = (await api.draft(kind)) as Record<string, unknown>
    delete view.updated_at
    write(kind, { values: view as Draft, pending: false, files: [] })
    return view as Draft
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.network)) return { kind } as Draft
    throw error
  }
}

/** Once submitted: the phone forgets the draft (the server replaced it with the case). */
export function forget(kind: Kind): void {
  wx.removeStorageSync(key(kind))
}
