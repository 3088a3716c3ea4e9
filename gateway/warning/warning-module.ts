import { requestScopedDirectoryStore } from '../../core/access/request-directory.js';
import type { Clock } from '../../core/clock.js';
import type { AuditLog } from '../../core/ports/audit-log.js';
import type { DirectoryStore } from '../../core/ports/directory.js';
import type { PolicyEngine } from '../../core/ports/policy-engine.js';
import type { UnitOfWork } from '../../core/ports/unit-of-work.js';
import { createWarningReader } from '../../core/warning/warning-reader.js';
import { createWarningService, type WarningService } from '../../core/warning/warning-service.js';
import type { WarningStore } from '../../core/warning/warning-store.js';
import type { ScreeningStore } from '../../core/warning/screening-store.js';
import type { CareStore } from '../../core/warning/care-store.js';
import type { CarePolicy } from '../../core/warning/care-task.js';
import { createCareService, type CareService } from '../../core/warning/care-service.js';
import type { Logger } from 'pino';
import type { Subscription } from '../../core/ports/event-bus.js';
import { createScreeningService } from '../../core/warning/screening-service.js';
import { SCREENING_EVENT_TYPES, type ScreeningResultsData } from '../../core/warning/screening-events.js';
import { MalformedEventError } from '../../core/errors.js';
import type { GatewayModule } from '../gateway-module.js';
import { appliedEventContext, signingSystem } from '../hub-inbound.js';
import { warningResolvers } from './warning-resolvers.js';

export interface WarningModuleOptions {
  uow: UnitOfWork;
  store: WarningStore;
  screenings: ScreeningStore;
  care: CareStore;
  carePolicy?: Partial<CarePolicy>;
  /** How often the overdue watch runs; 0 leaves it to the caller (`care.raiseOverdueTasks`, tests on simulated time). */
  careCheckEveryMs?: number;
  logger: Logger;
  onOutgoing?: () => void;
  directory: DirectoryStore;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
  /** Other reasons for the "handle with care" flag (police signals), decided by their own capability. */
  alsoFlagged?: (schoolAgencyId: string, subjectIds: readonly string[]) => Promise<Set<string>>;
}

/** The warning register on the gateway: crisis assessments and the key-student warning list. */
export function createWarningModule(options: WarningModuleOptions): GatewayModule & { service: WarningService; care: CareService } {
  const service = createWarningService({ ...options, warnings: options.store });
  const screening = createScreeningService({ ...options, screenings: options.screenings });
  const care = createCareService(options);
  const log = options.logger.child({ capability: 'warning' });
  return {
    schema: 'warning.graphql',
    resolvers: warningResolvers,
    service,
    care,
    async start(): Promise<Subscription[]> {
      const every = options.careCheckEveryMs ?? 60_000;
      const timer =
        every > 0
          ? setInterval(() => void care.raiseOverdueTasks().catch((err: unknown) => log.error({ err }, 'care overdue watch failed')), every).unref()
          : null;
      return [{ close: async () => void (timer && clearInterval(timer)) }];
    },
    // A school's system imports its screening census through its connector; the batch acts as that system.
    inbound: {
      [SCREENING_EVENT_TYPES.results]: async (event) => {
        const school = await signingSystem(options.directory.agencies, event, 'school', 'Only a school sends its screening results.', 'school-system');
        const batch = event.data as ScreeningResultsData;
        if (event.subject !== batch.importId) throw new MalformedEventError('The event subject and the import id differ.');
        await screening.applyBatch(school, batch, appliedEventContext(event));
      },
    },
    context: ({ principal, correlationId }) => ({
      warning: {
        service,
        care,
        // Agencies looked up once per request, however many entries a page holds.
        reader: createWarningReader({
          ...options,
          warnings: options.store,
          principal,
          correlationId,
          directory: requestScopedDirectoryStore(options.directory),
        }),
      },
    }),
  };
}
