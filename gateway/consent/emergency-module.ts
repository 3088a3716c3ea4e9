import type { Clock } from '../../core/clock.js';
import type { ConsentStore } from '../../core/consent/consent-store.js';
import { createEmergencyService, type EmergencyService } from '../../core/consent/emergency-service.js';
import type { AuditLog, AuditTrail } from '../../core/ports/audit-log.js';
import type { DirectoryStore } from '../../core/ports/directory.js';
import type { PolicyEngine } from '../../core/ports/policy-engine.js';
import type { UnitOfWork } from '../../core/ports/unit-of-work.js';
import type { GatewayContext } from '../context.js';
import type { GatewayModule } from '../gateway-module.js';

interface EmergencyContext extends GatewayContext {
  emergency: EmergencyService;
}

/** Break-glass on the gateway: declaring, the bureau's review queue, guardians' notices. */
export function createEmergencyModule(options: {
  uow: UnitOfWork;
  store: ConsentStore;
  directory: DirectoryStore;
  audit: AuditLog;
  trail: AuditTrail;
  policy: PolicyEngine;
  clock: Clock;
  windowMs?: number;
}): GatewayModule & { service: EmergencyService } {
  const service = createEmergencyService({ ...options, consents: options.store });
  return {
    schema: 'emergency.graphql',
    service,
    resolvers: {
      Query: {
        emergencyReviews: (_: unknown, args: { first?: number | null }, ctx: EmergencyContext) =>
          ctx.emergency.reviews(ctx.principal, args.first ?? 50, ctx.correlationId),
        myNotices: (_: unknown, _args: unknown, ctx: EmergencyContext) => ctx.emergency.notices(ctx.principal, ctx.correlationId),
      },
      Mutation: {
        declareEmergency: (_: unknown, args: unknown, ctx: EmergencyContext) => ctx.emergency.declare(ctx.principal, args, ctx.correlationId),
        signOffEmergency: (_: unknown, args: { id: string; note: unknown }, ctx: EmergencyContext) =>
          ctx.emergency.signOff(ctx.principal, args.id, { note: args.note }, ctx.correlationId),
      },
    },
    context: () => ({ emergency: service }),
  };
}
