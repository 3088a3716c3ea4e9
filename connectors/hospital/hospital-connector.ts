import { createSignedEvent } from '../../adapters/messaging/signed-event.js';
import { HUB_AGENCY_ID } from '../../core/development-seed.js';
import { TOPICS } from '../../core/messages/topics.js';
import type { AgencySigner } from '../../core/ports/keys.js';
import { REFERRAL_EVENT_TYPES, type HospitalReportData } from '../../core/referral/referral-events.js';
import { createConnector, type ConnectorBaseOptions } from '../shared/create-connector.js';
import { createFhirPusher, parseFhirPushTarget, type FhirPushSettings, type FhirPushTarget } from './fhir/fhir-push.js';
import type { FhirTaskStore } from './fhir/fhir-task-store.js';
import { mountFhirRoutes } from './fhir/fhir-routes.js';
import { applyReferralEventToFhir } from './referral-fhir-mapping.js';

/** Where the hospital's EHR finds the connector's FHIR R4 endpoint. */
export const FHIR_BASE = '/fhir/r4';

/**
 * The hospital connector (also serves counselling centres): keeps the referrals addressed to its agency as FHIR
 * R4 Tasks and ServiceRequests the hospital's EHR reads and searches, and sends what the EHR reports (Task
 * updates, Encounters, Appointments, CarePlans, Communications, DocumentReferences) to the hub as events signed
 * with the agency's own key. With a push target it also pushes each Task it changes to the hospital's own FHIR
 * endpoint, durably (see `createFhirPusher`).
 */
export function createHospitalConnector(
  options: ConnectorBaseOptions & {
    signer: AgencySigner;
    fhirTasks: FhirTaskStore;
    /** The hospital's FHIR endpoint to push Tasks to; omitted means the EHR only pulls. */
    fhirPush?: FhirPushTarget;
    fhirPushSettings?: FhirPushSettings;
  },
) {
  const log = options.logger.child({ connector: 'hospital', agencyId: options.agencyId });
  const pusher = options.fhirPush
    ? createFhirPusher({
        ...options.fhirPushSettings,
        target: parseFhirPushTarget(options.fhirPush),
        tasks: options.fhirTasks,
        clock: options.clock,
        logger: log,
      })
    : null;
  // While pushing, the write that changes a Task also marks it for the hospital, so no change can be lost between.
  const tasks: FhirTaskStore = pusher
    ? {
        ...options.fhirTasks,
        upsert: (referralId, owner, task, serviceRequest, code) =>
          options.fhirTasks.upsert(referralId, owner, task, serviceRequest, code, { dueAt: options.clock.now() }),
      }
    : options.fhirTasks;
  const connector = createConnector({
    ...options,
    kind: 'hospital',
    async applyInbound(event) {
      const taken = await applyReferralEventToFhir(event, { agencyId: options.agencyId, tasks });
      // Not awaited: the event is applied and its push is recorded; the hospital's endpoint must not hold up the bus.
      if (taken) void pusher?.nudge();
      return taken;
    },
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
  return {
    ...connector,
    /** The push to the hospital's endpoint, when one is configured. */
    fhirPush: pusher,
    async start(): Promise<void> {
      await connector.start();
      pusher?.start();
    },
    async stop(): Promise<void> {
      await pusher?.stop();
      await connector.stop();
    },
  };
}
