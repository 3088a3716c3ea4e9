import type { GatewayContext } from '../context.js';

/** The hospital module: staff working in the hub directly. */
export const hospitalResolvers = {
  Mutation: {
    acceptReferral: async (_: unknown, args: { id: string }, ctx: GatewayContext) => {
      await ctx.referrals.accept(ctx.principal, args.id, { correlationId: ctx.correlationId });
      return ctx.reader.referral(args.id);
    },
    declineReferral: async (_: unknown, args: { id: string; reason: string }, ctx: GatewayContext) => {
      await ctx.referrals.decline(ctx.principal, args.id, args.reason, { correlationId: ctx.correlationId });
      return ctx.reader.referral(args.id);
    },
  },
};
