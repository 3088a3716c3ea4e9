import { describe, expect, it } from 'vitest';
import { validateFhirR4 } from './fhir-validator.js';

describe('validateFhirR4', () => {
  it('accepts a minimal valid Task', () => {
    const result = validateFhirR4({ resourceType: 'Task', status: 'requested', intent: 'order' });
    expect(result.ok).toBe(true);
  });

  it('refuses what is not a resource at all', () => {
    for (const input of [null, 42, 'Task', [], {}, { resourceType: '' }]) {
      const result = validateFhirR4(input);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.outcome.issue[0]?.severity).toBe('error');
    }
  });

  it('refuses an unknown resource type', () => {
    expect(validateFhirR4({ resourceType: 'Pokemon' }).ok).toBe(false);
  });

  it('names the path of a missing required element', () => {
    const result = validateFhirR4({ resourceType: 'Task', intent: 'order' });
    expect(result).toMatchObject({ ok: false, outcome: { issue: [{ code: 'structure', expression: ['Task.status'] }] } });
  });

  it('never echoes the offending value back', () => {
    const result = validateFhirR4({
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      authoredOn: 'canary-value-19',
      owner: { reference: 'Patient/"canary-value-20"' },
    });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('canary-value');
  });

  it('validates resources nested in a Bundle', () => {
    const result = validateFhirR4({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: { resourceType: 'Task', intent: 'order' }, request: { method: 'POST', url: 'Task' } }],
    });
    expect(result).toMatchObject({ ok: false, outcome: { issue: [{ expression: ['Bundle.entry[0].resource.status'] }] } });
  });
});
