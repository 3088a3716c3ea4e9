import { z } from 'zod';
import type { Clock } from '../clock.js';
import { decodeIdCursor, encodeIdCursor, pageArgs } from '../paging/page-cursor.js';
import { parseInput } from '../validation/parse-input.js';
import { shownAs } from '../access/disclosure.js';
import { createPolicyGate } from '../access/policy-gate.js';
import type { AuditLog, AuditTrail } from '../ports/audit-log.js';
import { NotFoundError } from '../errors.js';
import { accessLogEntry } from '../audit/access-log-entry.js';
import type { DirectoryStore, SubjectRecord } from '../ports/directory.js';
import type { PolicyEngine, Principal } from '../ports/policy-engine.js';

const studentListArgs = z.object(pageArgs);
const accessLogArgs = z.object({ subjectId: z.string().max(100), ...pageArgs });

export type DisclosedSubject = Partial<SubjectRecord> & { id: string };

/** A request-scoped, policy-checked view of the subjects (pseudonymous students) a school may see. */
export function createSubjectReader(options: {
  principal: Principal | null;
  directory: DirectoryStore;
  audit: AuditLog;
  trail: AuditTrail;
  policy: PolicyEngine;
  clock: Clock;
  correlationId?: string;
}) {
  const { principal } = options;
  const gate = createPolicyGate({ policy: options.policy, audit: options.audit, clock: options.clock, correlationId: options.correlationId ?? null });
  return {
    /**
     * Who saw this child's data, when, why and on which basis (PIPL Arts. 44-45): every audited decision about the
     * child, newest first, for the psychology staff of the school the child is enrolled in (the guardian's own view
     * comes with guardian principals). Field names and reasons only, never values.
     */
    async accessLog(rawArgs: unknown) {
      const args = parseInput(accessLogArgs, rawArgs ?? {}, 'list arguments');
      const subject = await options.directory.findSubject(args.subjectId);
      if (!subject) throw new NotFoundError('subject');
      await gate.require(principal, 'subject.read-access-log', { subjectId: subject.id, type: 'subject', schoolAgencyId: subject.schoolAgencyId }, subject.id, {
        concealAs: 'subject',
      });
      const after = args.after ? Number(decodeIdCursor(args.after)) : undefined;
      // Entries the caller may not see must not be read at all, or the page's cursor and `hasMore` would tell of
      // them (a guardian, of the hub's bookkeeping about the other guardian): the policy is asked once whether the
      // caller sees refusals and each kind of bookkeeping, and the SQL leaves out what it does not.
      const bookkeeping = ['consent.', 'emergency.', 'subject.read-access'];
      const probe = (entryAction: string, allowed: boolean) => ({
        resource: { subjectId: subject.id, type: 'access-entry' as const, schoolAgencyId: subject.schoolAgencyId, entryAction, allowed },
        resourceId: null,
      });
      // One batch of decisions, one audit write.
      const [refusals, ...kinds] = (
        await gate.decideEach(principal, 'subject.read-access-entry', [
          probe('referral.read', false),
          ...bookkeeping.map((prefix) => probe(`${prefix}x`, true)),
        ])
      ).map((d) => d.allow);
      const page = await options.trail.forSubject(subject.id, {
        first: args.first ?? 50,
        ...(after !== undefined && Number.isFinite(after) ? { after } : {}),
        only: { allowedOnly: !refusals, withoutActionPrefixes: bookkeeping.filter((_, i) => !kinds[i]) },
      });
      const decisions = await gate.decideEach(
        principal,
        'subject.read-access-entry',
        page.items.map((e) => ({
          resource: { subjectId: subject.id, type: 'access-entry' as const, schoolAgencyId: subject.schoolAgencyId, entryAction: e.action, allowed: e.allowed },
          resourceId: String(e.seq),
        })),
      );
      const last = page.items.at(-1);
      return {
        items: page.items
          .map(accessLogEntry)
          .map((entry, i) => shownAs(entry, decisions[i]))
          .filter((entry) => entry !== null),
        endCursor: last ? encodeIdCursor(String(last.seq)) : null,
        hasMore: page.hasMore,
      };
    },
    /** The caller's school's students by pseudonym, in pages of at most 100. */
    async students(rawArgs: unknown): Promise<{ items: DisclosedSubject[]; endCursor: string | null; hasMore: boolean }> {
      const args = parseInput(studentListArgs, rawArgs ?? {}, 'list arguments');
      await gate.require(principal, 'subject.list', { type: 'collection', of: 'subject' }, null);
      const page = await options.directory.listSubjects(principal?.agencyId ?? '', {
        first: args.first ?? 50,
        ...(args.after ? { after: decodeIdCursor(args.after) } : {}),
      });
      const decisions = await gate.decideEach(
        principal,
        'subject.read',
        page.items.map((s) => ({ resource: { subjectId: s.id, type: 'subject' as const, schoolAgencyId: s.schoolAgencyId }, resourceId: s.id })),
      );
      const shown = page.items.map((s, i) => shownAs(s, decisions[i]));
      const last = page.items.at(-1);
      return { items: shown.filter((s): s is DisclosedSubject => s !== null), endCursor: last ? encodeIdCursor(last.id) : null, hasMore: page.hasMore };
    },
  };
}

export type SubjectReader = ReturnType<typeof createSubjectReader>;
