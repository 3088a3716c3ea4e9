import { createPolicyGate } from '../../core/access/policy-gate.js';
import type { Clock } from '../../core/clock.js';
import { ENROLMENT_EVENT_TYPES, type EnrolmentChangesData } from '../../core/enrolment/enrolment-events.js';
import { createEnrolmentService, type EnrolledChild, type EnrolmentService } from '../../core/enrolment/enrolment-service.js';
import type { EnrolmentStore } from '../../core/enrolment/enrolment-store.js';
import { NotFoundError, WrongSignerError } from '../../core/errors.js';
import type { AuditLog } from '../../core/ports/audit-log.js';
import type { DirectoryStore } from '../../core/ports/directory.js';
import type { IdentityPseudonymiser } from '../../core/ports/identity-linkage.js';
import type { EnvelopeOpener } from '../../core/ports/keys.js';
import type { PolicyEngine } from '../../core/ports/policy-engine.js';
import type { Transaction, UnitOfWork } from '../../core/ports/unit-of-work.js';
import type { GatewayContext } from '../context.js';
import type { GatewayModule } from '../gateway-module.js';

interface EnrolmentContext extends GatewayContext {
  enrolment: { history(subjectId: string): Promise<unknown[]> };
}

/** The enrolment register: school systems keep it current through their connectors; staff read a child's stays. */
export function createEnrolmentModule(options: {
  uow: UnitOfWork;
  store: EnrolmentStore;
  directory: DirectoryStore;
  opener: EnvelopeOpener;
  pseudonymiser: IdentityPseudonymiser;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
  onOutgoing?: () => void;
  afterEnrolment?: (tx: Transaction, children: readonly EnrolledChild[]) => Promise<void>;
}): GatewayModule & { service: EnrolmentService } {
  const service = createEnrolmentService({ ...options, enrolments: options.store });
  return {
    schema: 'enrolment.graphql',
    resolvers: {
      Query: { enrolmentHistory: (_: unknown, args: { subjectId: string }, ctx: EnrolmentContext) => ctx.enrolment.history(args.subjectId) },
    },
    service,
    inbound: {
      [ENROLMENT_EVENT_TYPES.changes]: async (event) => {
        const agency = await options.directory.agencies.find(event.agencyId);
        if (!agency || agency.type !== 'school') throw new WrongSignerError('Only a school sends changes to its enrolment register.');
        const batch = event.data as EnrolmentChangesData;
        await service.applyBatch(
          { agencyId: agency.id, agencyType: 'school', role: 'system', userId: 'school-system', districtId: agency.districtId ?? null },
          batch,
          { eventId: event.id, ...(event.correlationId ? { correlationId: event.correlationId } : {}) },
        );
      },
    },
    context: ({ principal, correlationId }) => ({
      enrolment: {
        async history(subjectId: string) {
          const gate = createPolicyGate({ policy: options.policy, audit: options.audit, clock: options.clock, correlationId, purpose: 'enrolment' });
          const subject = await options.directory.findSubject(subjectId);
          if (!subject) throw new NotFoundError('subject');
          await gate.require(principal, 'enrolment.read-history', { subjectId, type: 'subject', schoolAgencyId: subject.schoolAgencyId }, subjectId, {
            concealAs: 'subject',
          });
          return options.store.history(subjectId);
        },
      },
    }),
  };
}
