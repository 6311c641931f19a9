// Every endpoint the pages use, by name: one line each over `call`, typed from the OpenAPI document. A new page
// that needs a new endpoint adds its line here (the extension point of docs/miniprogram.md).
import { call, idempotencyKey } from './client'
import type { ClarifiedAnswer, ConsentPurpose, Correction, Draft, EvidenceNote, Kind, PaperKind, RespondentAnswer, CalculatorRequest, ServiceConsentIn, Signature, TemplateId } from './types'

export type Role = 'applicant' | 'respondent'

export const api = {
  // reference data, guidance (public)
  notice: () => call('/api/notice', 'get'),
  reference: () => call('/api/reference', 'get'),
  regions: (parent?: string) => call('/api/regions', 'get', { query: parent ? { parent } : {} }),
  calculator: (body: CalculatorRequest) => call('/api/calculator', 'post', { body }),
  triage: () => call('/api/triage', 'get'),
  progress: (serial: string, phone_last4: string) => call('/api/progress', 'get', { query: { serial, phone_last4 } }),

  // drafts and the application
  draft: (kind: Kind) => call('/api/mp/drafts/{kind}', 'get', { path: { kind } }),
  saveDraft: (kind: Kind, body: Draft) => call('/api/mp/drafts/{kind}', 'put', { path: { kind }, body }),
  deleteDraft: (kind: Kind) => call('/api/mp/drafts/{kind}', 'delete', { path: { kind } }),
  submitDraft: (kind: Kind, key = idempotencyKey('mp')) =>
    call('/api/mp/drafts/{kind}/submit', 'post', { path: { kind }, headers: { 'Idempotency-Key': key } }),

  // the applicant's cases
  myCases: () => call('/api/mp/applications', 'get'),
  myCase: (serial: string) => call('/api/mp/applications/{serial}', 'get', { path: { serial } }),
  answerClarified: (serial: string, body: ClarifiedAnswer) =>
    call('/api/mp/applications/{serial}/clarified', 'post', { path: { serial }, body }),
  addEvidence: (serial: string, file_ids: string[]) =>
    call('/api/mp/applications/{serial}/evidence', 'post', { path: { serial }, body: { file_ids } }),
  withdraw: (serial: string, reason: string) => call('/api/mp/applications/{serial}/withdraw', 'post', { path: { serial }, body: { reason } }),

  // either party's page of a case: signing and documents
  casePage: (role: Role, serial: string) =>
    role === 'applicant'
      ? call('/api/mp/applications/{serial}/page', 'get', { path: { serial } })
      : call('/api/mp/respondent/cases/{serial}/page', 'get', { path: { serial } }),
  sign: (role: Role, serial: string, body: Signature) =>
    role === 'applicant'
      ? call('/api/mp/applications/{serial}/signature', 'post', { path: { serial }, body })
      : call('/api/mp/respondent/cases/{serial}/signature', 'post', { path: { serial }, body }),
  documents: (role: Role, serial: string) =>
    role === 'applicant'
      ? call('/api/mp/applications/{serial}/documents', 'get', { path: { serial } })
      : call('/api/mp/respondent/cases/{serial}/documents', 'get', { path: { serial } }),
  documentPath: (role: Role, serial: string, id: string) =>
    role === 'applicant'
      ? `/api/mp/applications/${serial}/documents/${id}?format=pdf`
      : `/api/mp/respondent/cases/${serial}/documents/${id}?format=pdf`,
  // service (送达): the party's 送达地址确认书, given or changed; the page answers with what was served on them
  giveService: (role: Role, serial: string, body: ServiceConsentIn) =>
    role === 'applicant'
      ? call('/api/mp/applications/{serial}/service', 'post', { path: { serial }, body })
      : call('/api/mp/respondent/cases/{serial}/service', 'post', { path: { serial }, body }),
  // one tap: a document of a route open to the party (the arbitration application after an end)
  paper: (role: Role, serial: string, kind: PaperKind) =>
    role === 'applicant'
      ? call('/api/mp/applications/{serial}/papers/{kind}', 'post', { path: { serial, kind } })
      : call('/api/mp/respondent/cases/{serial}/papers/{kind}', 'post', { path: { serial, kind } }),

  // subscribe messages
  grants: () => call('/api/mp/subscriptions', 'get'),
  recordGrants: (template_ids: TemplateId[]) => call('/api/mp/subscriptions', 'post', { body: { template_ids } }),

  // the respondent
  invitation: (serial: string, token: string) => call('/api/mp/invitations/{serial}/{token}', 'get', { path: { serial, token } }),
  sendCode: (serial: string, token: string) => call('/api/mp/invitations/{serial}/{token}/code', 'post', { path: { serial, token } }),
  claim: (serial: string, token: string, code: string, service?: ServiceConsentIn) =>
    call('/api/mp/invitations/{serial}/{token}/claim', 'post', { path: { serial, token }, body: service ? { code, service } : { code } }),
  respondentCases: () => call('/api/mp/respondent/cases', 'get'),
  respondentCase: (serial: string) => call('/api/mp/respondent/cases/{serial}', 'get', { path: { serial } }),
  answer: (serial: string, body: RespondentAnswer) => call('/api/mp/respondent/cases/{serial}/answer', 'post', { path: { serial }, body }),
  respondentEvidence: (serial: string, file_ids: string[]) =>
    call('/api/mp/respondent/cases/{serial}/evidence', 'post', { path: { serial }, body: { file_ids } }),

  // evidence: where a file came from and what it proves (its uploader, after the upload)
  noteFile: (file_id: string, body: EvidenceNote) => call('/api/mp/files/{file_id}', 'put', { path: { file_id }, body }),

  // my data and consents with versions (the notice asked again on a 409 consent_required: client.ts)
  privacy: () => call('/api/privacy', 'get'),
  consents: () => call('/api/mp/consents', 'get'),
  consent: (purpose: ConsentPurpose, granted: boolean, version?: string) =>
    call('/api/mp/consents/{purpose}', 'put', { path: { purpose }, body: granted ? { granted: true, version: version || '' } : { granted: false } }),
  me: () => call('/api/mp/me', 'get'),
  copyPath: '/api/mp/me/copy?format=pdf',
  correct: (body: Correction) => call('/api/mp/me/corrections', 'post', { body }),
  deleteMine: (target: string) => call('/api/mp/me/deletions', 'post', { body: { target } }),
}
