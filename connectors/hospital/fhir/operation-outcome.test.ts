import { describe, expect, it } from 'vitest';
import { businessRule, FhirInputError, informationOutcome, invalidInput, notFound, notSupported, unsupportedMediaType } from './operation-outcome.js';

describe('operation outcomes', () => {
  it('pairs each refusal with its HTTP status and FHIR issue code', () => {
    expect(
      [invalidInput('x'), notSupported('x'), businessRule('x'), notFound('x'), unsupportedMediaType('x')].map((e) => [e.status, e.outcome.issue[0]?.code]),
    ).toEqual([
      [400, 'invalid'],
      [422, 'not-supported'],
      [422, 'business-rule'],
      [404, 'not-found'],
      [415, 'not-supported'],
    ]);
  });

  it('is an Error the routes can recognise', () => {
    const error = notFound('No referral.', ['Task.focus']);
    expect(error).toBeInstanceOf(FhirInputError);
    expect(error.outcome).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'not-found', details: { text: 'No referral.' }, expression: ['Task.focus'] }],
    });
  });

  it("places a nested resource's paths under the Bundle entry that holds it", () => {
    const nested = businessRule('Needs a reason.', ['Task.statusReason']).within('Bundle.entry[2].resource');
    expect(nested.outcome.issue[0]?.expression).toEqual(['Bundle.entry[2].resource.statusReason']);
    expect(notSupported('No.').within('Bundle.entry[0].resource').outcome.issue[0]?.expression).toEqual(['Bundle.entry[0].resource']);
    expect(notSupported('No.', ['resourceType']).within('Bundle.entry[0].resource').outcome.issue[0]?.expression).toEqual([
      'Bundle.entry[0].resource.resourceType',
    ]);
  });

  it('says an accepted write went through, with diagnostics for the event ids', () => {
    expect(informationOutcome('Accepted.', 'events: e1').issue[0]).toMatchObject({ severity: 'information', code: 'informational', diagnostics: 'events: e1' });
  });
});
