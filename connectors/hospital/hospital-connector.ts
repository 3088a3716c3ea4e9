import { createSignedEvent } from '../../adapters/messaging/signed-event.js';
import { HUB_AGENCY_ID } from '../../core/development-seed.js';
import { TOPICS } from '../../core/messages/topics.js';
import type { AgencySigner } from '../../core/ports/keys.js';
import { REFERRAL_EVENT_TYPES, type HospitalReportData } from '../../core/referral/referral-events.js';
import { createConnector, type ConnectorBaseOptions } from '../shared/create-connector.js';
import type { FhirTaskStore } from './fhir/fhir-task-store.js';
import { mountFhirRoutes } from './fhir/fhir-routes.js';
import { applyReferralEventToFhir } from './referral-fhir-mapping.js';

/** Where the hospital's EHR finds the connector's FHIR R4 endpoint. */
export const FHIR_BASE = '/fhir/r4';

/**
 * The hospital connector (also serves counselling centres): keeps the referrals addressed to its agency as FHIR
 * R4 Tasks and ServiceRequests the hospital's EHR reads and searches, and sends what the EHR reports (Task
 * updates, Encounters, Appointments, CarePlans, Communications, DocumentReferences) to the hub as events signed
 * with the agency's own key.
 */
export function createHospitalConnector(options: ConnectorBaseOptions & { signer: AgencySigner; fhirTasks: FhirTaskStore }) {
  const log = options.logger.child({ connector: 'hospital', agencyId: options.agencyId });
  return createConnector({
    ...options,
    kind: 'hospital',
    applyInbound: (event) => applyReferralEventToFhir(event, { agencyId: options.agencyId, tasks: options.fhirTasks }),
    routes(app) {
      mountFhirRoutes(app, {
        base: FHIR_BASE,
        agencyId: options.agencyId,
        tasks: options.fhirTasks,
        logger: options.logger,
        async submit(drafts, caller) {
          const now = options.clock.now();
          const events = [];
          for (const draft of drafts) {
            // The recorded actor is the system that proved itself here plus the person the resource names.
            const data: HospitalReportData = { ...draft, reportedVia: caller.credential, reportedAt: now.toISOString() };
            events.push(
              await createSignedEvent({
                signer: options.signer,
                type: REFERRAL_EVENT_TYPES.hospitalReport,
                subject: draft.referralId,
                recipient: HUB_AGENCY_ID,
                data,
                time: now,
              }),
            );
          }
          // One publish for a whole transaction Bundle: the reports leave together or not at all.
          await options.bus.publish(TOPICS.hubInbound, events);
          log.info({ events: events.length }, 'hospital reports sent to hub');
          return events.map((e) => e.id);
        },
      });
    },
  });
}
