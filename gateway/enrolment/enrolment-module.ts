import type { Clock } from '../../core/clock.js';
import { ENROLMENT_EVENT_TYPES, type EnrolmentChangesData } from '../../core/enrolment/enrolment-events.js';
import { createEnrolmentService, type EnrolledChild, type EnrolmentService } from '../../core/enrolment/enrolment-service.js';
import type { EnrolmentStore } from '../../core/enrolment/enrolment-store.js';
import type { AuditLog } from '../../core/ports/audit-log.js';
import type { DirectoryStore } from '../../core/ports/directory.js';
import type { IdentityPseudonymiser } from '../../core/ports/identity-linkage.js';
import type { EnvelopeOpener } from '../../core/ports/keys.js';
import type { PolicyEngine } from '../../core/ports/policy-engine.js';
import type { Transaction, UnitOfWork } from '../../core/ports/unit-of-work.js';
import type { GatewayContext } from '../context.js';
import type { GatewayModule } from '../gateway-module.js';
import { appliedEventContext, signingSystem } from '../hub-inbound.js';

interface EnrolmentContext extends GatewayContext {
  enrolment: EnrolmentService;
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
      Query: {
        enrolmentHistory: (_: unknown, args: { subjectId: string }, ctx: EnrolmentContext) =>
          ctx.enrolment.history(ctx.principal, args.subjectId, ctx.correlationId),
      },
    },
    service,
    inbound: {
      [ENROLMENT_EVENT_TYPES.changes]: async (event) => {
        const school = await signingSystem(
          options.directory.agencies,
          event,
          'school',
          'Only a school sends changes to its enrolment register.',
          'school-system',
        );
        await service.applyBatch(school, event.data as EnrolmentChangesData, appliedEventContext(event));
      },
    },
    context: () => ({ enrolment: service }),
  };
}
