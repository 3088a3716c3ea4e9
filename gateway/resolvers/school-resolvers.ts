import type { GatewayContext } from '../context.js';

/** The school module. */
export const schoolResolvers = {
  Query: {
    students: (_: unknown, __: unknown, ctx: GatewayContext) => ctx.reader.students(),
  },
  Mutation: {
    createReferral: async (_: unknown, args: { input: unknown }, ctx: GatewayContext) => {
      const referral = await ctx.referrals.createReferral(ctx.principal, args.input, { correlationId: ctx.correlationId });
      return ctx.reader.referral(referral.id);
    },
    withdrawReferral: async (_: unknown, args: { id: string; reason?: string | null }, ctx: GatewayContext) => {
      await ctx.referrals.withdraw(ctx.principal, args.id, args.reason ?? '', { correlationId: ctx.correlationId });
      return ctx.reader.referral(args.id);
    },
  },
};
