import type { InboundHandler } from '../hub-inbound.js';
import { MalformedEventError, WrongSignerError } from '../../core/errors.js';
import type { AgencyDirectory } from '../../core/ports/keys.js';
import type { Principal } from '../../core/ports/policy-engine.js';
import type { ReferralCommandInput } from '../../core/referral/referral-commands.js';
import type { HospitalReportData } from '../../core/referral/referral-events.js';
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
 * Keeps the referral ledger current from what receiving agencies report over the bus (the hub inbound consumer
 * hands it every verified `hospital-report`). An event acts with the authority of the agency whose key signed it
 * (role `system`), through the same policy and state machine as a person.
 */
export function hospitalReportHandler(options: { directory: AgencyDirectory; service: ReferralService }): InboundHandler {
  return async (event) => {
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
    await options.service.apply(principal, report.referralId, commandOf(report), {
      eventId: event.id,
      correlationId: event.correlationId ?? undefined,
      actorSystem: report.reportedVia,
    });
  };
}
