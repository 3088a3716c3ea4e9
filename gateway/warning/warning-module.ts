import { requestScopedDirectoryStore } from '../../core/access/request-directory.js';
import type { Clock } from '../../core/clock.js';
import type { AuditLog } from '../../core/ports/audit-log.js';
import type { DirectoryStore } from '../../core/ports/directory.js';
import type { PolicyEngine } from '../../core/ports/policy-engine.js';
import type { UnitOfWork } from '../../core/ports/unit-of-work.js';
import { createWarningReader } from '../../core/warning/warning-reader.js';
import { createWarningService, type WarningService } from '../../core/warning/warning-service.js';
import type { WarningStore } from '../../core/warning/warning-store.js';
import type { GatewayModule } from '../gateway-module.js';
import { warningResolvers } from './warning-resolvers.js';

export interface WarningModuleOptions {
  uow: UnitOfWork;
  store: WarningStore;
  directory: DirectoryStore;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
}

/** The warning register on the gateway: crisis assessments and the key-student warning list. */
export function createWarningModule(options: WarningModuleOptions): GatewayModule & { service: WarningService } {
  const service = createWarningService({ ...options, warnings: options.store });
  return {
    schema: 'warning.graphql',
    resolvers: warningResolvers,
    service,
    context: ({ principal, correlationId }) => ({
      warning: {
        service,
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
