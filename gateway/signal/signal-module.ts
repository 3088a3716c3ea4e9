import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { EnrolmentStore } from '../../core/enrolment/enrolment-store.js';
import { CareloopError } from '../../core/errors.js';
import type { AuditLog } from '../../core/ports/audit-log.js';
import type { DirectoryStore } from '../../core/ports/directory.js';
import type { Subscription } from '../../core/ports/event-bus.js';
import type { IdentityPseudonymiser } from '../../core/ports/identity-linkage.js';
import type { EnvelopeOpener } from '../../core/ports/keys.js';
import type { PolicyEngine, Principal } from '../../core/ports/policy-engine.js';
import type { UnitOfWork } from '../../core/ports/unit-of-work.js';
import type { SignalPolicy } from '../../core/signal/signal.js';
import {
  SIGNAL_EVENT_TYPES,
  type ReportAcknowledgedData,
  type SignalBatchData,
  type SignalGuidanceData,
  type SignalRaisedData,
} from '../../core/signal/signal-events.js';
import { createSignalReader } from '../../core/signal/signal-reader.js';
import { createSignalService, type SignalService } from '../../core/signal/signal-service.js';
import type { SignalStore } from '../../core/signal/signal-store.js';
import type { VerifiedEvent } from '../../adapters/messaging/signed-event.js';
import type { GatewayModule } from '../gateway-module.js';
import { appliedEventContext, signingSystem } from '../hub-inbound.js';
import { signalResolvers } from './signal-resolvers.js';

export interface SignalModuleOptions {
  uow: UnitOfWork;
  store: SignalStore;
  enrolments: EnrolmentStore;
  directory: DirectoryStore;
  opener: EnvelopeOpener;
  pseudonymiser: IdentityPseudonymiser;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
  logger: Logger;
  signalPolicy?: Partial<SignalPolicy>;
  /** How often the deadline watch runs; 0 leaves it to the caller (`escalateOverdue`, tests on simulated time). */
  checkEveryMs?: number;
  onOutgoing?: () => void;
}

/** Police signals and schools' reports to the police on the gateway. */
export function createSignalModule(options: SignalModuleOptions): GatewayModule & { service: SignalService } {
  const service = createSignalService({ ...options, signals: options.store });
  const log = options.logger.child({ capability: 'signal' });

  /** The police bureau's system, as the policy sees an event it signed. */
  const policeSystem = (event: VerifiedEvent) =>
    signingSystem(options.directory.agencies, event, 'public-safety', 'Only a police bureau sends signals, guidance and report acknowledgements.');
  const ctxOf = appliedEventContext;
  /** Runs a police event's handler; a refusal for good is told to the bureau's inbox before it is dead-lettered. */
  async function answering(event: VerifiedEvent, sourceIds: readonly string[], apply: (principal: Principal) => Promise<unknown>) {
    const principal = await policeSystem(event);
    try {
      await apply(principal);
    } catch (error) {
      if (error instanceof CareloopError && !error.retriable) await service.tellPoliceRefused(principal.agencyId, sourceIds, error.code);
      throw error;
    }
  }

  return {
    schema: 'signal.graphql',
    resolvers: signalResolvers,
    service,
    async start(): Promise<Subscription[]> {
      const every = options.checkEveryMs ?? 60_000;
      const timer =
        every > 0
          ? setInterval(() => void service.escalateOverdue().catch((err: unknown) => log.error({ err }, 'signal deadline watch failed')), every).unref()
          : null;
      return [{ close: async () => void (timer && clearInterval(timer)) }];
    },
    inbound: {
      [SIGNAL_EVENT_TYPES.raised]: async (event) => {
        const data = event.data as SignalRaisedData;
        await answering(event, [data.sourceId], (principal) => service.receive(principal, data, ctxOf(event)));
      },
      [SIGNAL_EVENT_TYPES.batchRaised]: async (event) => {
        const data = event.data as SignalBatchData;
        await answering(
          event,
          data.signals.map((s) => s.sourceId),
          async (principal) => {
            const { received, refused } = await service.receiveBatch(principal, data, ctxOf(event));
            log.info({ eventId: event.id, signals: data.signals.length, received, refused }, 'signal batch received');
          },
        );
      },
      [SIGNAL_EVENT_TYPES.guidance]: async (event) => {
        const data = event.data as SignalGuidanceData;
        await answering(event, [data.sourceId], (principal) =>
          service.addGuidance({ ...principal, userId: data.givenBy }, { sourceId: data.sourceId }, data.text, ctxOf(event)),
        );
      },
      [SIGNAL_EVENT_TYPES.reportAcknowledged]: async (event) => {
        const data = event.data as ReportAcknowledgedData;
        await service.acknowledgeReport(await policeSystem(event), data.reportId, { by: data.acknowledgedBy, ...ctxOf(event) });
      },
    },
    context: ({ principal, correlationId }) => ({
      signal: { service, reader: createSignalReader({ ...options, signals: options.store, service, principal, correlationId }) },
    }),
  };
}
