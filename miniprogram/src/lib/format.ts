// Times as a person reads them: the API's ISO 8601 in Asia/Shanghai ("2026-11-22T11:00:00+08:00") shown as
// "2026-11-22 11:00" (the offset is always China's).
export function when(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 16).replace('T', ' ') : ''
}
