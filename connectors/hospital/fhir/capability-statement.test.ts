import { describe, expect, it } from 'vitest';
import { createCapabilityStatement, REPORT_RESOURCE_TYPES } from './capability-statement.js';
import { validateFhirR4 } from './fhir-validator.js';

describe('the capability statement', () => {
  const statement = createCapabilityStatement({ baseUrl: 'https://connector.example/fhir/r4', date: '2025-03-01T00:00:00Z' });

  it('is a valid FHIR R4 CapabilityStatement', () => {
    expect(validateFhirR4(statement)).toMatchObject({ ok: true });
    expect(statement).toMatchObject({ status: 'active', kind: 'instance', fhirVersion: '4.0.1', format: ['application/fhir+json'] });
  });

  it('lists exactly the interactions the routes serve', () => {
    const rest = statement.rest?.[0];
    const served = Object.fromEntries((rest?.resource ?? []).map((r) => [r.type, r.interaction?.map((i) => i.code).sort()]));
    expect(served).toEqual({
      Task: ['create', 'read', 'search-type', 'update'],
      ServiceRequest: ['read'],
      Encounter: ['create'],
      Appointment: ['create'],
      CarePlan: ['create'],
      Communication: ['create'],
      DocumentReference: ['create'],
    });
    expect(rest?.interaction?.map((i) => i.code)).toEqual(['transaction']);
    expect(rest?.resource?.find((r) => r.type === 'Task')?.searchParam?.map((p) => p.name)).toEqual(['owner', 'status', 'identifier', 'code', '_count']);
    for (const type of REPORT_RESOURCE_TYPES) expect(served[type]).toContain('create');
  });
});
