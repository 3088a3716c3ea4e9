import type { Logger } from 'pino';
import { createVerifiedHandler } from '../../adapters/messaging/verified-handler.js';
import type { Clock } from '../../core/clock.js';
import { HUB_AGENCY_ID } from '../../core/development-seed.js';
import { MalformedEventError, WrongSignerError } from '../../core/errors.js';
import { TOPICS } from '../../core/messages/topics.js';
import type { EventBus, Subscription } from '../../core/ports/event-bus.js';
import type { AgencyDirectory } from '../../core/ports/keys.js';
import type { Principal } from '../../core/ports/policy-engine.js';
import type { RefusedEvents } from '../../core/ports/refused-events.js';
import type { ReferralCommandInput } from '../../core/referral/referral-commands.js';
import { REFERRAL_EVENT_TYPES, type HospitalReportData } from '../../core/referral/referral-events.js';
import type { ReferralService } from '../../core/referral/referral-service.js';

/** The command a hospital's report stands for; its evidence travels with it. */
export function commandOf(report: HospitalReportData): ReferralCommandInput {
  switch (report.action) {
    case 'DECLINE':
      return { action: 'DECLINE', reason: report.reason ?? '' };
    case 'SCHEDULE':
      return { action: 'SCHEDULE', appointment: report.appointment ?? { start: '' } };
    case 'RECEIVE_RECOVERY_CERTIFICATE':
      return { action: 'RECEIVE_RECOVERY_CERTIFICATE', document: report.document ?? { title: '', issuedAt: '' } };
    case 'RECORD_TREATMENT_UPDATE':
      return { action: 'RECORD_TREATMENT_UPDATE', update: report.update ?? {} };
    case 'RECORD_ATTENDANCE':
    case 'START_TREATMENT':
    case 'ADMIT':
    case 'DISCHARGE':
      return { action: report.action, ...(report.update ? { update: report.update } : {}) };
    case 'ACCEPT':
    case 'RECORD_NO_SHOW':
      return { action: report.action };
  }
}

/**
 * Keeps the referral ledger current from what receiving agencies report over the bus. An event acts with the
 * authority of the agency whose key signed it (role `system`), through the same policy and state machine as a person.
 */
export async function startReferralProjector(options: {
  bus: EventBus;
  directory: AgencyDirectory;
  service: ReferralService;
  refusals: RefusedEvents;
  clock: Clock;
  freshnessWindowMs?: number;
  logger: Logger;
  groupId?: string;
}): Promise<Subscription> {
  const handler = createVerifiedHandler({
    consumer: 'hub.ledger-projector',
    recipient: HUB_AGENCY_ID,
    clock: options.clock,
    freshnessWindowMs: options.freshnessWindowMs,
    refusals: options.refusals,
    directory: options.directory,
    bus: options.bus,
    logger: options.logger,
    async handle(event) {
      if (event.type !== REFERRAL_EVENT_TYPES.hospitalReport) throw new MalformedEventError('Only hospital reports are accepted on the hub inbound topic.');
      const report = event.data as HospitalReportData;
      if (report.referralId !== event.subject) throw new MalformedEventError('The event subject and the referral id differ.');
      const agency = await options.directory.find(event.agencyId);
      if (!agency || agency.type === 'hub') throw new WrongSignerError('The hub does not take reports from itself.');
      const principal: Principal = {
        agencyId: agency.id,
        agencyType: agency.type,
        role: 'system',
        userId: report.reportedBy,
        districtId: agency.districtId ?? null,
      };
      await options.service.act(principal, report.referralId, commandOf(report), {
        eventId: event.id,
        correlationId: event.correlationId ?? undefined,
        actorSystem: report.reportedVia,
      });
    },
  });
  return options.bus.subscribe({ groupId: options.groupId ?? 'careloop-hub-ledger', topics: [TOPICS.hubInbound], handler });
}
