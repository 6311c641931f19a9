// The code lists (GET /api/reference) in the person's language, fetched once per language while the
// mini-program runs.
import { api } from './api/endpoints'
import type { Reference } from './api/types'
import { lang } from './prefs'

const cache: Partial<Record<string, Promise<Reference>>> = {}

export function reference(): Promise<Reference> {
  const which = lang()
  let answer = cache[which]
  if (!answer) {
    answer = api.reference()
    answer.catch(() => delete cache[which])
    cache[which] = answer
  }
  return answer
}
