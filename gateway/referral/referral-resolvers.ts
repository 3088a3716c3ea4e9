import { UnauthenticatedError } from '../../core/errors.js';
import type { DisclosedReferral, ReferralReader } from '../../core/referral/referral-reader.js';
import { referralLetterText } from '../../core/referral/referral-letter.js';
import { isOverdue } from '../../core/referral/referral-resource.js';
import type { ReferralService } from '../../core/referral/referral-service.js';
import type { CounsellingSlotService, DisclosedSlot } from '../../core/referral/counselling-slot-service.js';
import { availableReferralActions } from '../../core/referral/referral-state-machine.js';
import type { ReferralCounts } from '../../core/referral/referral-store.js';
import type { DeliveryProblem, TimelineEntry } from '../../core/referral/referral.js';
import type { GatewayContext } from '../context.js';
import type { ReferralSubscriptions } from './referral-subscriptions.js';

/** The referral module's part of the request context. */
export interface ReferralContext extends GatewayContext {
  referral: { reader: ReferralReader; service: ReferralService; slots: CounsellingSlotService; subscriptions: ReferralSubscriptions };
}

type Args = Record<string, unknown> & { id: string };

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

/**
 * One mutation per state-machine action: each turns its arguments into the command the service validates, then
 * answers with the referral as the caller may now see it.
 */
function act(toCommand: (args: Args) => Record<string, unknown>) {
  return async (_: unknown, args: Args, ctx: ReferralContext) => {
    const changed = await ctx.referral.service.act(ctx.principal, args.id, toCommand(args), {
      correlationId: ctx.correlationId,
      directory: ctx.referral.reader.directory,
    });
    return ctx.referral.reader.present(changed);
  };
}

/**
 * Streams `source` as the caller may see each item (after `current`, the state when it began, if given), ending with
 * UNAUTHENTICATED when the token expires. Ended by the client (it went away), it lets go at once of its listener and
 * its expiry timer: an async generator's own return() waits for its next yield, which a referral that does not change
 * never brings, so a closed stream used to hold both until the token expired (and kept a stopping hub alive).
 */
export function visibleWhileValid(
  ctx: ReferralContext,
  source: AsyncIterableIterator<Parameters<ReferralReader['showReferral']>[0]>,
  field: string,
  current?: () => Promise<unknown>,
): AsyncIterableIterator<Record<string, unknown>> {
  const expiry = tokenExpiry(ctx);
  const release = async () => {
    expiry.cancel();
    // Ends a read that is waiting too: it comes back done, and the generator below returns.
    await source.return?.();
  };
  const stream = (async function* () {
    try {
      if (current) yield { [field]: await current() };
      for (;;) {
        const next = await Promise.race([source.next(), expiry.reached]);
        if (next === EXPIRED) throw new UnauthenticatedError('The token has expired.');
        if (next.done) return;
        const shown = await ctx.referral.reader.showReferral(next.value);
        if (shown) yield { [field]: shown };
      }
    } finally {
      await release();
    }
  })();
  const iterator: AsyncIterableIterator<Record<string, unknown>> = {
    next: () => stream.next(),
    async return() {
      await release();
      return stream.return(undefined);
    },
    throw: (error?: unknown) => stream.throw(error),
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

const sum = (rows: ReferralCounts[], key: Exclude<keyof ReferralCounts, 'schoolAgencyId'>) => rows.reduce((n, r) => n + r[key], 0);

export const referralResolvers = {
  Query: {
    referral: (_: unknown, args: { id: string }, ctx: ReferralContext) => ctx.referral.reader.referral(args.id),
    referralByCode: (_: unknown, args: { code: string }, ctx: ReferralContext) => ctx.referral.reader.referralByCode(args.code),
    counsellingSlots: (_: unknown, args: unknown, ctx: ReferralContext) => ctx.referral.slots.list(ctx.principal, args, { correlationId: ctx.correlationId }),
    referrals: (_: unknown, args: unknown, ctx: ReferralContext) => ctx.referral.reader.referrals(args),
    districtReferralCounters: async (_: unknown, args: { from: Date; to: Date }, ctx: ReferralContext) => {
      const counted = await ctx.referral.reader.districtCounters(args.from, args.to);
      const schools = counted.schools;
      return {
        districtId: counted.districtId,
        from: args.from,
        to: args.to,
        schools,
        total: {
          schoolAgencyId: '',
          referred: sum(schools, 'referred'),
          referredOutpatient: sum(schools, 'referredOutpatient'),
          referredCounselling: sum(schools, 'referredCounselling'),
          attended: sum(schools, 'attended'),
          admitted: sum(schools, 'admitted'),
          returnedToSchool: sum(schools, 'returnedToSchool'),
          deadlineBreaches: sum(schools, 'deadlineBreaches'),
        },
      };
    },
  },
  Mutation: {
    createReferral: async (_: unknown, args: { input: unknown }, ctx: ReferralContext) => {
      const referral = await ctx.referral.service.createReferral(ctx.principal, args.input, {
        correlationId: ctx.correlationId,
        directory: ctx.referral.reader.directory,
      });
      return ctx.referral.reader.present(referral);
    },
    acceptReferral: act(() => ({ action: 'ACCEPT' })),
    declineReferral: act((a) => ({ action: 'DECLINE', reason: a.reason })),
    scheduleAppointment: act((a) => ({ action: 'SCHEDULE', appointment: a.appointment })),
    bookCounsellingSlot: act((a) => ({ action: 'SCHEDULE', appointment: { slotId: a.slotId } })),
    publishCounsellingSlots: (_: unknown, args: { slots: unknown }, ctx: ReferralContext) =>
      ctx.referral.slots.publish(ctx.principal, { slots: args.slots }, { correlationId: ctx.correlationId }),
    removeCounsellingSlot: (_: unknown, args: { id: string }, ctx: ReferralContext) =>
      ctx.referral.slots.remove(ctx.principal, args.id, { correlationId: ctx.correlationId }),
    recordNoShow: act(() => ({ action: 'RECORD_NO_SHOW' })),
    reEngageFamily: act((a) => ({ action: 'RE_ENGAGE', note: a.note })),
    recordAttendance: act((a) => ({ action: 'RECORD_ATTENDANCE', update: a.update ?? undefined })),
    startTreatment: act((a) => ({ action: 'START_TREATMENT', update: a.update ?? undefined })),
    admit: act((a) => ({ action: 'ADMIT', update: a.update ?? undefined })),
    discharge: act((a) => ({ action: 'DISCHARGE', update: a.update ?? undefined })),
    recordTreatmentUpdate: act((a) => ({ action: 'RECORD_TREATMENT_UPDATE', update: a.update })),
    recordLeave: act((a) => ({ action: 'RECORD_LEAVE', from: a.from, expectedReturn: a.expectedReturn })),
    receiveRecoveryCertificate: act((a) => ({ action: 'RECEIVE_RECOVERY_CERTIFICATE', document: a.document })),
    startReturnReview: act((a) => ({ action: 'START_RETURN_REVIEW', recordsReceived: a.recordsReceived })),
    decideReturn: act((a) => ({ action: 'DECIDE_RETURN', ...(a.decision as object) })),
    requestThirdPartyAssessment: act((a) => ({ action: 'REQUEST_ASSESSMENT', note: a.note })),
    recordFollowUp: act((a) => ({ action: 'RECORD_FOLLOW_UP', ...(a.followUp as object) })),
    closeReferral: act((a) => ({ action: 'CLOSE', note: a.note })),
    withdrawReferral: act((a) => ({ action: 'WITHDRAW', reason: a.reason })),
    transferReferral: async (_: unknown, args: Args, ctx: ReferralContext) => {
      const moved = await ctx.referral.service.act(
        ctx.principal,
        args.id,
        { action: 'TRANSFER', hospitalAgencyId: args.hospitalAgencyId, reason: args.reason },
        { correlationId: ctx.correlationId, directory: ctx.referral.reader.directory },
      );
      // A hospital that moved the case away may no longer see it: the transfer happened, there is nothing to show.
      return ctx.referral.reader.showReferral(moved);
    },
  },
  Subscription: {
    referralStatusChanged: {
      // Listening starts before the current state is read and pushed first, so a client that subscribes
      // after its query misses nothing; a caller who may not see the referral gets NOT_FOUND, not a silent stream.
      // The stream lives no longer than the token that opened it.
      subscribe: (_: unknown, args: { id: string }, ctx: ReferralContext) =>
        visibleWhileValid(ctx, ctx.referral.subscriptions.subscribe(args.id), 'referralStatusChanged', () => ctx.referral.reader.referral(args.id)),
    },
    referralOverdue: {
      subscribe: (_: unknown, __: unknown, ctx: ReferralContext) => visibleWhileValid(ctx, ctx.referral.subscriptions.subscribeOverdue(), 'referralOverdue'),
    },
  },
  Referral: {
    school: (r: DisclosedReferral, _: unknown, ctx: GatewayContext) => agency(r.schoolAgencyId, ctx),
    hospital: (r: DisclosedReferral, _: unknown, ctx: GatewayContext) => agency(r.hospitalAgencyId, ctx),
    availableActions: (r: DisclosedReferral) => (r.state ? availableReferralActions(r.state) : null),
    overdue: (r: DisclosedReferral) => (r.breaches && r.updatedAt ? isOverdue({ breaches: r.breaches, updatedAt: r.updatedAt }) : null),
    // The letter is built from disclosed fields only: a caller who may not see the code gets no letter.
    letter: async (r: DisclosedReferral, _: unknown, ctx: GatewayContext) => {
      if (!r.code || !r.channel || !r.createdAt || !r.schoolAgencyId || !r.hospitalAgencyId) return null;
      const [school, recipient] = await Promise.all([ctx.directory.find(r.schoolAgencyId), ctx.directory.find(r.hospitalAgencyId)]);
      if (!school || !recipient) return null;
      return {
        code: r.code,
        text: referralLetterText({ code: r.code, channel: r.channel, schoolName: school.name, recipientName: recipient.name, issuedAt: r.createdAt }),
      };
    },
  },
  CounsellingSlot: {
    provider: (s: DisclosedSlot, _: unknown, ctx: GatewayContext) => agency(s.providerAgencyId, ctx),
  },
  SchoolReferralCounters: {
    school: (c: ReferralCounts, _: unknown, ctx: GatewayContext) => agency(c.schoolAgencyId || undefined, ctx),
  },
  DeliveryProblem: {
    recipient: (p: DeliveryProblem, _: unknown, ctx: GatewayContext) => agency(p.recipientAgencyId, ctx),
  },
  TimelineEntry: {
    actorAgency: (t: TimelineEntry, _: unknown, ctx: GatewayContext) => agency(t.actorAgencyId, ctx),
  },
};
