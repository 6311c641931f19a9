// Names for the shapes of our OpenAPI document (schema.d.ts is generated from it by tools/build.js: a contract
// change that breaks the client fails `tsc`). Pages import these, never write a shape of their own.
import type { components, paths } from './schema'

export type Schemas = components['schemas']
export type Paths = paths
export type Method = 'get' | 'post' | 'put' | 'delete'

/** The operation of a path and method. */
export type Operation<P extends keyof paths, M extends Method> = M extends keyof paths[P] ? NonNullable<paths[P][M]> : never

type ParamsOf<O> = O extends { parameters: infer A } ? A : never
/** The path parameters an operation takes ({serial}, {kind}...). */
export type PathParams<O> = ParamsOf<O> extends { path: infer X } ? X : never
/** The query an operation takes. */
export type QueryParams<O> = ParamsOf<O> extends { query?: infer X } ? X : never
/** The JSON body an operation takes. */
export type JsonBody<O> = O extends { requestBody: { content: { 'application/json': infer B } } }
  ? B
  : O extends { requestBody?: { content: { 'application/json': infer B } } }
    ? B
    : never
/** The JSON an operation answers on success (200 or 201); void for an empty 204. */
export type Answer<O> = O extends { responses: infer R }
  ? R extends { 200: { content: { 'application/json': infer J } } }
    ? J
    : R extends { 201: { content: { 'application/json': infer J } } }
      ? J
      : void
  : never

export type Kind = 'worker' | 'employer'
export type FieldError = Schemas['FieldError']
export type ErrorBody = Schemas['Error']
export type Notice = Schemas['Notice']
export type Reference = Schemas['Reference']
export type Regions = Schemas['Regions']
export type Region = Regions['items'][number]
export type StoredFile = Schemas['StoredFile']
export type CaseSummary = Schemas['CaseSummary']
export type Case = Schemas['Case']
export type CasePage = Schemas['CasePage']
export type DocumentListed = Schemas['DocumentListed']
export type Invitation = Schemas['Invitation']
export type RespondentCaseSummary = Schemas['RespondentCaseSummary']
export type WorkerDraft = Schemas['WorkerDraft']
export type EmployerDraft = Schemas['EmployerDraft']
export type DraftView = Schemas['DraftView']
export type Draft = WorkerDraft | EmployerDraft
export type Grants = Schemas['Grants']
/** The subscribe-message templates the server knows (config.yaml's notification_templates). */
export type TemplateId = JsonBody<Operation<'/api/mp/subscriptions', 'post'>>['template_ids'][number]
export type ClarifiedAnswer = JsonBody<Operation<'/api/mp/applications/{serial}/clarified', 'post'>>
export type RespondentAnswer = JsonBody<Operation<'/api/mp/respondent/cases/{serial}/answer', 'post'>>
export type CalculatorRequest = JsonBody<Operation<'/api/calculator', 'post'>>
export type CalculatorResult = Answer<Operation<'/api/calculator', 'post'>>
export type CalculatorKind = CalculatorRequest['kind']
export type Signature = JsonBody<Operation<'/api/mp/applications/{serial}/signature', 'post'>>
// The second part (issue 21's ends and service): the end of a case as a party reads it, what was served on them,
// their 送达地址确认书, and the documents a party makes with one tap.
export type CaseEnd = NonNullable<CasePage['end']>
export type ServiceRecord = Schemas['ServiceRecord']
export type ServiceConsent = Schemas['ServiceConsent']
export type ServiceConsentIn = JsonBody<Operation<'/api/mp/applications/{serial}/service', 'post'>>
export type Document = Schemas['Document']
export type PaperKind = PathParams<Operation<'/api/mp/applications/{serial}/papers/{kind}', 'post'>>['kind']
// Evidence notes, an organisation's signer, consents with versions and my data (issues 21 and 23).
export type EvidenceNote = JsonBody<Operation<'/api/mp/files/{file_id}', 'put'>>
export type SigningFor = NonNullable<CasePage['signing_for']>
export type Capacity = NonNullable<Signature['capacity']>
export type ConsentStatus = Schemas['ConsentStatus']
export type ConsentPurpose = PathParams<Operation<'/api/mp/consents/{purpose}', 'put'>>['purpose']
export type MyData = Schemas['MyData']
export type Correction = JsonBody<Operation<'/api/mp/me/corrections', 'post'>>
export type CorrectionField = Correction['field']
