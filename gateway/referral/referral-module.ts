import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Clock } from '../../core/clock.js';
import type { AuditLog } from '../../core/ports/audit-log.js';
import type { ChangeFeed } from '../../core/ports/change-feed.js';
import type { DirectoryStore } from '../../core/ports/directory.js';
import type { EventBus, Subscription } from '../../core/ports/event-bus.js';
import type { PolicyEngine, Principal } from '../../core/ports/policy-engine.js';
import type { UnitOfWork } from '../../core/ports/unit-of-work.js';
import { createReferralReader } from '../../core/referral/referral-reader.js';
import type { DeadlinePolicy } from '../../core/referral/referral-deadlines.js';
import { createReferralService, type ReferralService } from '../../core/referral/referral-service.js';
import type { ReferralStore } from '../../core/referral/referral-store.js';
import type { CounsellingSlotStore } from '../../core/referral/counselling-slot-store.js';
import { createCounsellingSlotService } from '../../core/referral/counselling-slot-service.js';
import type { GatewayModule } from '../gateway-module.js';
import { startDeliveryWatch } from './delivery-watch.js';
import { hospitalReportHandler } from './referral-projector.js';
import { REFERRAL_EVENT_TYPES } from '../../core/referral/referral-events.js';
import { referralResolvers } from './referral-resolvers.js';
import { createReferralSubscriptions } from './referral-subscriptions.js';

export interface ReferralModuleOptions {
  uow: UnitOfWork;
  store: ReferralStore;
  slots: CounsellingSlotStore;
  directory: DirectoryStore;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
  changes: ChangeFeed;
  bus: EventBus;
  metrics: Registry;
  logger: Logger;
  deadlines?: Partial<DeadlinePolicy>;
  /** How often the deadline watch runs; 0 leaves it to the caller (`raiseOverdue`, tests on simulated time). */
  deadlineCheckEveryMs?: number;
  onOutgoing?: () => void;
  /** The children the policy lets a guardian know of (the consent capability's `myChildren`). */
  guardianChildren?: (principal: Principal, correlationId?: string) => Promise<Array<{ subjectId: string }>>;
}

/** The referral capability on the gateway: schema, resolvers, hospital reports from the bus, the delivery and deadline watches. */
export function createReferralModule(options: ReferralModuleOptions): GatewayModule & { service: ReferralService } {
  const log = options.logger.child({ capability: 'referral' });
  const subscriptions = createReferralSubscriptions({ changes: options.changes, referrals: options.store, logger: log });
  const service = createReferralService({
    uow: options.uow,
    referrals: options.store,
    slots: options.slots,
    directory: options.directory,
    audit: options.audit,
    policy: options.policy,
    clock: options.clock,
    changes: options.changes,
    deadlines: options.deadlines,
    onOutgoing: options.onOutgoing,
  });
  const slots = createCounsellingSlotService({
    uow: options.uow,
    slots: options.slots,
    directory: options.directory,
    audit: options.audit,
    policy: options.policy,
    clock: options.clock,
  });
  return {
    schema: 'referral.graphql',
    resolvers: referralResolvers,
    service,
    context: ({ principal, correlationId }) => ({
      referral: {
        reader: createReferralReader({
          principal,
          referrals: options.store,
          directory: options.directory,
          audit: options.audit,
          policy: options.policy,
          clock: options.clock,
          correlationId,
          ...(options.guardianChildren ? { guardianChildren: options.guardianChildren } : {}),
        }),
        service,
        slots,
        subscriptions,
      },
    }),
    inbound: { [REFERRAL_EVENT_TYPES.hospitalReport]: hospitalReportHandler({ directory: options.directory.agencies, service }) },
    async start(): Promise<Subscription[]> {
      const every = options.deadlineCheckEveryMs ?? 60_000;
      const timer =
        every > 0 ? setInterval(() => void service.raiseOverdue().catch((err: unknown) => log.error({ err }, 'deadline watch failed')), every).unref() : null;
      return [
        await subscriptions.start(),
        await startDeliveryWatch({ bus: options.bus, store: options.store, registry: options.metrics, logger: log }),
        { close: async () => void (timer && clearInterval(timer)) },
      ];
    },
  };
}
