// The field problems the API named when the application was submitted, kept on the phone so that each step's
// page shows its own beside its fields when the person goes back to correct them.
import type { Kind } from './api/types'

const key = (kind: Kind) => `draft.problems.${kind}`

export function load(kind: Kind): Record<string, string> {
  return (wx.getStorageSync(key(kind)) as Record<string, string>) || {}
}

export function save(kind: Kind, byField: Record<string, string>): void {
  wx.setStorageSync(key(kind), byField)
}

/** Forget the problems of fields just saved again (the API checks them anew at the next submission). */
export function clear(kind: Kind, fields: string[]): void {
  const known = load(kind)
  for (const path of Object.keys(known)) {
    if (fields.some((f) => path === f || path.startsWith(f + '.') || path.startsWith(f + '['))) delete known[path]
  }
  save(kind, known)
}

export function forget(kind: Kind): void {
  wx.removeStorageSync(key(kind))
}
