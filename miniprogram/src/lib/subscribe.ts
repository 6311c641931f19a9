// Subscribe-message grants (wx.requestSubscribeMessage), asked at the moments a notice is about to follow: each
// accepted template is one message the server may send (POST /api/mp/subscriptions records it, GET tells how many
// are left). WeChat shows at most three templates at a time, and only from a tap: pages call `ask` from one.
// The ids are the server's (config.yaml's notification_templates, typed from the OpenAPI document): a centre that
// replaces them in config.yaml replaces them here too, and the build's type check names any it missed.
import { api } from './api/endpoints'
import type { TemplateId } from './api/types'

export const MOMENTS: Record<string, TemplateId[]> = {
  submit: ['MP_SUBMITTED', 'MP_CLARIFY_PUSHED', 'MP_ACCEPT'], // submitting: its receipt, the items to confirm, acceptance
  clarified: ['MP_ACCEPT', 'MP_DECLINE', 'MP_SCHEDULE'], // the items confirmed: accepted or not, then the session
  case: ['MP_SCHEDULE', 'MP_DRAFT_AGREEMENT', 'MP_SETTLE'], // following a case: the session, the draft to sign, the end
  respondent: ['MP_SCHEDULE', 'MP_DRAFT_AGREEMENT', 'MP_SETTLE'], // the respondent after answering
  signing: ['MP_SETTLE', 'MP_PERFORMANCE_CHECK', 'MP_BREACH'], // signed: the agreement's effect and its performance
}

/** Ask for the moment's templates; record those accepted. Never fails the step it belongs to. */
export async function ask(moment: keyof typeof MOMENTS): Promise<TemplateId[]> {
  const wanted = MOMENTS[moment]
  if (!wanted || !wx.requestSubscribeMessage) return []
  let accepted: TemplateId[] = []
  try {
    const answer = await new Promise<Record<string, string>>((resolve, reject) =>
      wx.requestSubscribeMessage({
        tmplIds: wanted,
        success: (result) => resolve(result as unknown as Record<string, string>),
        fail: reject,
      }),
    )
    accepted = wanted.filter((id) => answer[id] === 'accept')
    if (accepted.length) await api.recordGrants(accepted)
  } catch (_error) {
    return [] // refused, switched off in the settings, or no network: the case goes on, notices go elsewhere
  }
  return accepted
}
