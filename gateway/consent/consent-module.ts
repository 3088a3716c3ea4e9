import type { Clock } from '../../core/clock.js';
import { createConsentService, type ConsentService } from '../../core/consent/consent-service.js';
import type { ConsentStore } from '../../core/consent/consent-store.js';
import type { AuditLog } from '../../core/ports/audit-log.js';
import type { DirectoryStore } from '../../core/ports/directory.js';
import type { PolicyEngine } from '../../core/ports/policy-engine.js';
import type { UnitOfWork } from '../../core/ports/unit-of-work.js';
import type { GatewayContext } from '../context.js';
import type { GatewayModule } from '../gateway-module.js';

interface ConsentContext extends GatewayContext {
  consent: ConsentService;
}

/** GraphQL enum values (TREATMENT_UPDATE_SHARING) to the policy's words (treatment-update-sharing), and back. */
const toWord = (v: unknown) => (typeof v === 'string' ? v.toLowerCase().replaceAll('_', '-') : v);
const toEnum = (v: string) => v.toUpperCase().replaceAll('-', '_');
const scopeIn = (input: Record<string, unknown> | undefined) =>
  input && {
    ...input,
    ...Object.fromEntries(['purposes', 'categories', 'recipients'].map((k) => [k, Array.isArray(input[k]) ? (input[k] as unknown[]).map(toWord) : input[k]])),
  };
const scopeOut = <T extends object | null>(c: T): T => {
  if (!c) return c;
  const record = c as Record<string, unknown>;
  const lists = ['purposes', 'categories', 'recipients'].filter((k) => Array.isArray(record[k]));
  return { ...c, ...Object.fromEntries(lists.map((k) => [k, (record[k] as string[]).map(toEnum)])) };
};

/** Guardians and their consents on the gateway. */
export function createConsentModule(options: {
  uow: UnitOfWork;
  store: ConsentStore;
  directory: DirectoryStore;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
  concernReviewEveryMs?: number;
}): GatewayModule & { service: ConsentService } {
  const service = createConsentService({ ...options, consents: options.store });
  return {
    schema: 'consent.graphql',
    service,
    resolvers: {
      Query: {
        consents: async (_: unknown, args: { subjectId: string }, ctx: ConsentContext) =>
          (await ctx.consent.list(ctx.principal, args.subjectId, ctx.correlationId)).map(scopeOut),
        myChildren: (_: unknown, _args: unknown, ctx: ConsentContext) => ctx.consent.myChildren(ctx.principal, ctx.correlationId),
        guardians: (_: unknown, args: { subjectId: string }, ctx: ConsentContext) => ctx.consent.guardians(ctx.principal, args.subjectId, ctx.correlationId),
        guardianConcerns: (_: unknown, args: unknown, ctx: ConsentContext) => ctx.consent.standingConcerns(ctx.principal, args, ctx.correlationId),
      },
      Mutation: {
        linkGuardian: (_: unknown, args: unknown, ctx: ConsentContext) => ctx.consent.linkGuardian(ctx.principal, args, ctx.correlationId),
        recordGuardianConcern: (_: unknown, args: unknown, ctx: ConsentContext) => ctx.consent.recordConcern(ctx.principal, args, ctx.correlationId),
        reviewGuardianConcern: (_: unknown, args: unknown, ctx: ConsentContext) => ctx.consent.reviewConcern(ctx.principal, args, ctx.correlationId),
        grantConsent: async (_: unknown, args: { input: Record<string, unknown> }, ctx: ConsentContext) => {
          const granted = await ctx.consent.grant(ctx.principal, scopeIn(args.input), ctx.correlationId);
          return scopeOut(await ctx.consent.read(ctx.principal, granted.id, ctx.correlationId));
        },
        amendConsent: async (_: unknown, args: { id: string; change: Record<string, unknown> }, ctx: ConsentContext) => {
          await ctx.consent.amend(ctx.principal, args.id, scopeIn(args.change), ctx.correlationId);
          return scopeOut(await ctx.consent.read(ctx.principal, args.id, ctx.correlationId));
        },
        revokeConsent: async (_: unknown, args: { id: string }, ctx: ConsentContext) => {
          await ctx.consent.revoke(ctx.principal, args.id, ctx.correlationId);
          return scopeOut(await ctx.consent.read(ctx.principal, args.id, ctx.correlationId));
        },
      },
    },
    context: () => ({ consent: service }),
  };
}
