import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { UnauthenticatedError } from '../../core/errors.js';
import { availableReferralActions } from '../../core/referral/referral-state-machine.js';
import type { DisclosedReferral } from '../../core/access/ledger-reader.js';
import type { DeliveryProblem, TimelineEntry } from '../../core/referral/referral.js';
import type { GatewayContext } from '../context.js';

const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant, as an ISO 8601 string in UTC.',
  serialize: (value) => (value instanceof Date ? value : new Date(String(value))).toISOString(),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string.');
    return date;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || Number.isNaN(new Date(ast.value).getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string.');
    return new Date(ast.value);
  },
});

const agency = (id: string | undefined, ctx: GatewayContext) => (id ? ctx.directory.find(id) : null);

const EXPIRED = Symbol('token expired');

/** Resolves when the caller's token expires, on the hub's clock. */
function tokenExpiry(ctx: GatewayContext): { reached: Promise<typeof EXPIRED>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const reached = new Promise<typeof EXPIRED>((resolve) => {
    timer = setTimeout(() => resolve(EXPIRED), Math.max(0, ctx.tokenExpiresAt.getTime() - ctx.clock.now().getTime()));
  });
  return { reached, cancel: () => clearTimeout(timer) };
}

/** The hub core module: identity, directory, referral reads and the status subscription. */
export const hubResolvers = {
  DateTime,
  AgencyType: { SCHOOL: 'school', HOSPITAL: 'hospital', PUBLIC_SAFETY: 'public-safety', EDUCATION_BUREAU: 'education-bureau' },
  Query: {
    me: (_: unknown, __: unknown, ctx: GatewayContext) => ctx.principal,
    agencies: async (_: unknown, __: unknown, ctx: GatewayContext) => (await ctx.directory.list()).filter((a) => a.type !== 'hub'),
    referral: (_: unknown, args: { id: string }, ctx: GatewayContext) => ctx.reader.referral(args.id),
    referrals: (_: unknown, __: unknown, ctx: GatewayContext) => ctx.reader.referrals(),
  },
  Subscription: {
    referralStatusChanged: {
      // Listening starts before the current state is read and pushed first, so a client that subscribes
      // after its query misses nothing; a caller who may not see the referral gets NOT_FOUND, not a silent stream.
      // The stream lives no longer than the token that opened it.
      subscribe: async function* (_: unknown, args: { id: string }, ctx: GatewayContext) {
        const changes = ctx.referralEvents.subscribe(args.id);
        const expiry = tokenExpiry(ctx);
        try {
          yield { referralStatusChanged: await ctx.reader.referral(args.id) };
          for (;;) {
            const next = await Promise.race([changes.next(), expiry.reached]);
            if (next === EXPIRED) throw new UnauthenticatedError('The token has expired.');
            if (next.done) return;
            const shown = await ctx.reader.showReferral(next.value);
            if (shown) yield { referralStatusChanged: shown };
          }
        } finally {
          expiry.cancel();
          await changes.return?.();
        }
      },
    },
  },
  Referral: {
    school: (r: DisclosedReferral, _: unknown, ctx: GatewayContext) => agency(r.schoolAgencyId, ctx),
    hospital: (r: DisclosedReferral, _: unknown, ctx: GatewayContext) => agency(r.hospitalAgencyId, ctx),
    availableActions: (r: DisclosedReferral) => (r.state ? availableReferralActions(r.state) : null),
  },
  DeliveryProblem: {
    recipient: (p: DeliveryProblem, _: unknown, ctx: GatewayContext) => agency(p.recipientAgencyId, ctx),
  },
  TimelineEntry: {
    actorAgency: (t: TimelineEntry, _: unknown, ctx: GatewayContext) => agency(t.actorAgencyId, ctx),
  },
};
