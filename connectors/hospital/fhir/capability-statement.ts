import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';

/** The resource types a hospital system may post reports as (one hub report per resource). */
export const REPORT_RESOURCE_TYPES = ['Task', 'Encounter', 'Appointment', 'CarePlan', 'Communication', 'DocumentReference'] as const;
export type ReportResourceType = (typeof REPORT_RESOURCE_TYPES)[number];

const create = (type: Exclude<ReportResourceType, 'Task'>): CapabilityStatementRestResource => ({
  type,
  interaction: [{ code: 'create' }],
  documentation: 'Reported to the hub about the referral named by basedOn (DocumentReference: context.related) ServiceRequest/<referral id>.',
});

/**
 * What `fhir-routes.ts` serves, and nothing more: a FHIR client reads `/metadata` to decide what to call, so
 * every interaction listed here must exist and every route must be listed.
 */
export function createCapabilityStatement(options: { baseUrl: string; date: string; version?: string }): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date,
    publisher: 'Careloop',
    kind: 'instance',
    software: { name: 'Careloop hospital connector', ...(options.version ? { version: options.version } : {}) },
    implementation: { description: 'Careloop hospital connector: referrals from schools as ServiceRequest + Task', url: options.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        documentation: "Only this agency's referrals. Writes are reports to the hub: they answer 202 and change the Task once the hub has decided.",
        resource: [
          {
            type: 'Task',
            interaction: [{ code: 'read' }, { code: 'search-type' }, { code: 'update' }, { code: 'create' }],
            searchParam: [
              {
                name: 'owner',
                type: 'reference',
                documentation: 'This agency: <agency id>, Organization/<agency id> or owner:identifier=urn:careloop:agency|<agency id>.',
              },
              { name: 'status', type: 'token' },
              { name: 'identifier', type: 'token', documentation: 'The referral code: [urn:careloop:referral-code|]<code>.' },
              { name: 'code', type: 'token', documentation: 'Task.code; every referral Task is http://hl7.org/fhir/CodeSystem/task-code|fulfill.' },
              { name: '_count', type: 'number', documentation: 'At most 100.' },
            ],
          },
          { type: 'ServiceRequest', interaction: [{ code: 'read' }] },
          create('Encounter'),
          create('Appointment'),
          create('CarePlan'),
          create('Communication'),
          create('DocumentReference'),
        ],
        interaction: [{ code: 'transaction', documentation: 'A transaction or batch Bundle of the resources above, all-or-nothing.' }],
      },
    ],
  };
}
