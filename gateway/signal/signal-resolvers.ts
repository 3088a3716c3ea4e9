import type { SignalReader } from '../../core/signal/signal-reader.js';
import type { SignalService } from '../../core/signal/signal-service.js';
import type { GatewayContext } from '../context.js';

/** The signal module's part of the request context. */
export interface SignalContext extends GatewayContext {
  signal: { reader: SignalReader; service: SignalService };
}

type Id = { id: string };

export const signalResolvers = {
  Query: {
    signals: (_: unknown, args: unknown, ctx: SignalContext) => ctx.signal.reader.signals(args),
    signal: (_: unknown, args: Id, ctx: SignalContext) => ctx.signal.reader.signal(args.id),
    policeSignals: (_: unknown, args: unknown, ctx: SignalContext) => ctx.signal.reader.policeSignals(args),
    unmatchedSignals: (_: unknown, args: unknown, ctx: SignalContext) => ctx.signal.reader.unmatchedSignals(args),
    signalEscalations: (_: unknown, args: unknown, ctx: SignalContext) => ctx.signal.reader.signalEscalations(args),
    schoolReports: (_: unknown, args: unknown, ctx: SignalContext) => ctx.signal.reader.schoolReports(args),
  },
  Mutation: {
    acknowledgeSignal: async (_: unknown, args: Id & { input: unknown }, ctx: SignalContext) => {
      await ctx.signal.service.acknowledge(ctx.principal, args.id, args.input, ctx.correlationId);
      return ctx.signal.reader.signal(args.id);
    },
    openSignalNote: (_: unknown, args: Id & { input: unknown }, ctx: SignalContext) =>
      ctx.signal.service.openNote(ctx.principal, args.id, args.input, ctx.correlationId),
    sendSignalGuidance: async (_: unknown, args: Id & { text: unknown }, ctx: SignalContext) => {
      await ctx.signal.service.addGuidance(ctx.principal, { signalId: args.id }, args.text, { correlationId: ctx.correlationId });
      return ctx.signal.reader.signalAs(args.id, 'signal.read-status');
    },
    reportToPolice: async (_: unknown, args: { input: unknown }, ctx: SignalContext) => {
      const report = await ctx.signal.service.reportToPolice(ctx.principal, args.input, ctx.correlationId);
      return ctx.signal.reader.schoolReport(report.id);
    },
    acknowledgeSchoolReport: async (_: unknown, args: Id, ctx: SignalContext) => {
      await ctx.signal.service.acknowledgeReport(ctx.principal, args.id, { correlationId: ctx.correlationId });
      return ctx.signal.reader.schoolReport(args.id);
    },
  },
};
