import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createPolicyGate } from '../access/policy-gate.js';
import { disclose } from '../access/disclosure.js';
import { requestScopedDirectory } from '../access/request-directory.js';
import type { Clock } from '../clock.js';
import { BadUserInputError, NotFoundError, SlotUnavailableError } from '../errors.js';
import { decodeCursor, encodeCursor, pageArgs } from '../paging/page-cursor.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { DirectoryStore } from '../ports/directory.js';
import type { PolicyEngine, PolicyResource, Principal } from '../ports/policy-engine.js';
import type { UnitOfWork } from '../ports/unit-of-work.js';
import { parseInput } from '../validation/parse-input.js';
import { identifier, safeText } from '../safe-text.js';
import type { CounsellingSlotStore } from './counselling-slot-store.js';
import type { CounsellingSlot } from './counselling-slot.js';
import { instant } from './referral-commands.js';

/** A session longer than a working day is a typing mistake, not a slot. */
const MAX_SLOT_MS = 8 * 3600_000;
/** A centre publishes at most this many slots in one call (a few weeks of sessions). */
export const MAX_SLOTS_PER_CALL = 100;

const slotInput = z
  .object({
    startsAt: instant,
    endsAt: instant,
    location: safeText({ max: 300, what: 'location' }).optional().nullable(),
  })
  .refine((s) => s.endsAt > s.startsAt, { message: 'a slot ends after it starts', path: ['endsAt'] })
  .refine((s) => s.endsAt.getTime() - s.startsAt.getTime() <= MAX_SLOT_MS, { message: 'a slot lasts at most 8 hours', path: ['endsAt'] });

export const publishSlotsInput = z.object({ slots: z.array(slotInput).min(1).max(MAX_SLOTS_PER_CALL) });

export const slotListArgs = z.object({
  providerAgencyId: identifier,
  from: instant.optional().nullable(),
  freeOnly: z.boolean().optional().nullable(),
  ...pageArgs,
});

/** A slot as a caller may see it: `booked` for everyone allowed, `bookedReferralId` only for the provider. */
export type SlotView = CounsellingSlot & { booked: boolean };
export type DisclosedSlot = Partial<SlotView> & { id: string };

/**
 * Counselling slots: a hospital or counselling centre publishes the times it offers; schools list the free ones and
 * book one for a referral (the booking itself is a SCHEDULE step of the referral service). Every call asks the
 * policy (referral.rego) once and is audited.
 */
export function createCounsellingSlotService(deps: {
  uow: UnitOfWork;
  slots: CounsellingSlotStore;
  directory: DirectoryStore;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
}) {
  const { slots, clock } = deps;
  const agencies = () => requestScopedDirectory(deps.directory.agencies);
  const gateFor = (correlationId?: string) => createPolicyGate({ policy: deps.policy, audit: deps.audit, clock, correlationId: correlationId ?? null });

  async function resourceOf(providerAgencyId: string, directory = agencies()): Promise<PolicyResource> {
    const provider = providerAgencyId ? await directory.find(providerAgencyId) : null;
    return { type: 'counselling-slots', providerAgencyId, providerAgencyType: provider && provider.type !== 'hub' ? provider.type : 'unknown' };
  }

  const view = (slot: CounsellingSlot): SlotView => ({ ...slot, booked: slot.bookedReferralId !== null });

  return {
    /** Publishes free slots of the caller's own agency; all or none. */
    async publish(principal: Principal | null, raw: unknown, ctx: { correlationId?: string } = {}): Promise<DisclosedSlot[]> {
      const input = parseInput(publishSlotsInput, raw ?? {});
      const providerAgencyId = principal?.agencyId ?? '';
      const decision = await gateFor(ctx.correlationId).require(
        principal,
        'referral.publish-slots',
        await resourceOf(providerAgencyId),
        providerAgencyId || null,
        {
          concealAs: 'agency',
        },
      );
      const now = clock.now();
      const past = input.slots.findIndex((s) => s.startsAt <= now);
      if (past >= 0) throw new BadUserInputError('A slot must start in the future.', { field: `slots.${past}.startsAt` });
      const created: CounsellingSlot[] = input.slots.map((s) => ({
        id: randomUUID(),
        providerAgencyId,
        startsAt: s.startsAt,
        endsAt: s.endsAt,
        location: s.location ?? null,
        bookedReferralId: null,
        createdAt: now,
        createdBy: principal?.userId ?? '',
      }));
      await deps.uow.withTransaction((tx) => slots.insert(tx, created));
      return created.map((s) => ({ ...disclose(view(s), decision.fields), id: s.id }));
    },

    /** A provider's slots from `from` (default now), soonest first, free ones only unless the provider asks. */
    async list(principal: Principal | null, raw: unknown, ctx: { correlationId?: string } = {}) {
      const args = parseInput(slotListArgs, raw ?? {});
      const decision = await gateFor(ctx.correlationId).require(
        principal,
        'referral.list-slots',
        await resourceOf(args.providerAgencyId),
        args.providerAgencyId,
        {
          concealAs: 'agency',
        },
      );
      // Whether a slot is taken is the provider's business; others see free slots only.
      const own = principal?.agencyId === args.providerAgencyId;
      const page = await slots.list(
        { providerAgencyId: args.providerAgencyId, from: args.from ?? clock.now(), freeOnly: own ? (args.freeOnly ?? true) : true },
        { first: args.first ?? 20, ...(args.after ? { after: decodeCursor(args.after) } : {}) },
      );
      const last = page.items.at(-1);
      return {
        items: page.items.map((s): DisclosedSlot => ({ ...disclose(view(s), decision.fields), id: s.id })),
        endCursor: last ? encodeCursor({ at: last.startsAt, id: last.id }) : null,
        hasMore: page.hasMore,
      };
    },

    /** Withdraws a free slot the caller's agency published. A booked one stays: reschedule the referral first. */
    async remove(principal: Principal | null, slotId: string, ctx: { correlationId?: string } = {}): Promise<string> {
      const slot = identifier.safeParse(slotId).success ? await slots.find(slotId) : null;
      // An unknown slot and another provider's take the same path and give the same answer.
      await gateFor(ctx.correlationId).require(principal, 'referral.remove-slot', await resourceOf(slot?.providerAgencyId ?? ''), slotId, {
        concealAs: 'counselling slot',
      });
      if (!slot) throw new NotFoundError('counselling slot');
      const removed = await deps.uow.withTransaction((tx) => slots.removeFree(tx, slot.id, slot.providerAgencyId));
      if (!removed) throw new SlotUnavailableError('The slot is booked; reschedule or withdraw the referral first.');
      return slot.id;
    },
  };
}

export type CounsellingSlotService = ReturnType<typeof createCounsellingSlotService>;
