import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/** HTTP statuses a FHIR client error may carry; 5xx is never a client's fault and is not built here. */
export type FhirErrorStatus = 400 | 403 | 404 | 409 | 413 | 415 | 422;

type IssueCode = OperationOutcomeIssue['code'];

/**
 * One-issue OperationOutcome. `text` is always a fixed sentence of ours and `expression` only field paths: a
 * client-sent value never comes back, so a caller's personal data cannot end up in a proxy's or client's logs.
 */
export function operationOutcome(severity: OperationOutcomeIssue['severity'], code: IssueCode, text: string, expression: string[] = []): OperationOutcome {
  const issue: OperationOutcomeIssue = { severity, code, details: { text } };
  if (expression.length > 0) issue.expression = expression;
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

/** The outcome of an accepted write: FHIR's way of saying "nothing wrong" with a human-readable diagnostic. */
export function informationOutcome(text: string, diagnostics?: string): OperationOutcome {
  const outcome = operationOutcome('information', 'informational', text);
  if (diagnostics && outcome.issue[0]) outcome.issue[0].diagnostics = diagnostics;
  return outcome;
}

/**
 * A FHIR request the connector refuses because of what the client sent. Everything that reads client input throws
 * only this, so the routes can answer every refusal with its status and outcome and treat anything else as a bug.
 */
export class FhirInputError extends Error {
  override readonly name = 'FhirInputError';
  constructor(
    readonly status: FhirErrorStatus,
    readonly outcome: OperationOutcome,
  ) {
    super(outcome.issue[0]?.details?.text ?? 'refused FHIR input');
  }

  /**
   * The same refusal about a resource nested at `prefix` (e.g. `Bundle.entry[2].resource`): `Task.statusReason`
   * becomes `Bundle.entry[2].resource.statusReason`, so the client can find the culprit.
   */
  within(prefix: string): FhirInputError {
    const issue = this.outcome.issue.map((i) => ({
      ...i,
      expression: (i.expression?.length ? i.expression : ['']).map((e) => `${prefix}${/^[A-Z]/.test(e) ? e.replace(/^[A-Z]\w*/, '') : e && `.${e}`}`),
    }));
    return new FhirInputError(this.status, { ...this.outcome, issue });
  }
}

const refusal = (status: FhirErrorStatus, code: IssueCode) => (text: string, expression?: string[]) =>
  new FhirInputError(status, operationOutcome('error', code, text, expression));

/** Not FHIR, or not well-formed FHIR R4. */
export const invalidInput = refusal(400, 'invalid');
/** Valid FHIR, but not something this connector takes (another resource type, not about one of our referrals). */
export const notSupported = refusal(422, 'not-supported');
/** Valid FHIR about one of our referrals, but lacking what the hub needs to act on it (e.g. a decline's reason). */
export const businessRule = refusal(422, 'business-rule');
/** Names a referral, Task or ServiceRequest this connector does not know. */
export const notFound = refusal(404, 'not-found');
export const conflict = refusal(409, 'conflict');
export const forbidden = refusal(403, 'security');
export const tooLarge = refusal(413, 'too-costly');
export const unsupportedMediaType = refusal(415, 'not-supported');
