import { randomUUID } from 'node:crypto';
import { createPolicyGate } from '../access/policy-gate.js';
import type { Clock } from '../clock.js';
import { MalformedEventError, NotFoundError } from '../errors.js';
import type { DirectoryStore } from '../ports/directory.js';
import type { Enrolment } from './enrolment.js';
import { agencyTopic } from '../messages/topics.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { IdentityLink, IdentityPseudonymiser } from '../ports/identity-linkage.js';
import type { EnvelopeOpener } from '../ports/keys.js';
import type { PolicyEngine, Principal } from '../ports/policy-engine.js';
import type { Transaction, UnitOfWork } from '../ports/unit-of-work.js';
import { parseJson } from '../validation/parse-json.js';
import type { RejectedLine } from '../validation/rejected-line.js';
import {
  ENROLMENT_EVENT_TYPES,
  ENROLMENT_IDENTITIES_MAX,
  ENROLMENT_IDENTITIES_PURPOSE,
  enrolmentIdentities,
  type EnrolmentAppliedData,
  type EnrolmentChangesData,
} from './enrolment-events.js';
import type { EnrolmentStore } from './enrolment-store.js';

type EnrolmentEventType = (typeof ENROLMENT_EVENT_TYPES)[keyof typeof ENROLMENT_EVENT_TYPES];
import { checkResidentId, RESIDENT_ID_PROBLEMS } from './resident-id.js';

/** Identifies the applier of enrolment batches in `processed_events`. */
const ENROLMENT_CONSUMER = 'hub.enrolment';

/** A child just enrolled somewhere, with the links that name them: what waiting signals are matched against. */
export interface EnrolledChild {
  subjectId: string;
  schoolAgencyId: string;
  links: readonly IdentityLink[];
}

/**
 * Keeps the enrolment register the school connectors send (R87): each child is known by the pseudonym derived from
 * their resident identity number, which is opened from its envelope, checked, digested and forgotten in this
 * function. A child enrolled at another school is not moved by whoever knows the number: the enrolment waits as a
 * transfer request, the old school is asked, and the move happens when it records the child as left; then the new
 * school is told, and everything filed under the pseudonym (warning entry, referrals, signals) stays the child's.
 */
export function createEnrolmentService(deps: {
  uow: UnitOfWork;
  enrolments: EnrolmentStore;
  directory: Pick<DirectoryStore, 'findSubject'>;
  opener: EnvelopeOpener;
  pseudonymiser: IdentityPseudonymiser;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
  onOutgoing?: () => void;
  /** Runs in the enrolment's transaction for the children it enrolled (signals waiting for them are routed). */
  afterEnrolment?: (tx: Transaction, children: readonly EnrolledChild[]) => Promise<void>;
}) {
  async function applyBatch(
    principal: Principal,
    batch: EnrolmentChangesData,
    ctx: { eventId: string; correlationId?: string },
  ): Promise<EnrolmentAppliedData | null> {
    const gate = createPolicyGate({
      policy: deps.policy,
      audit: deps.audit,
      clock: deps.clock,
      correlationId: ctx.correlationId ?? null,
      purpose: 'enrolment',
    });
    const school = principal.agencyId;
    await gate.require(principal, 'enrolment.apply', { type: 'enrolment', schoolAgencyId: school }, batch.batchId);
    const opened = enrolmentIdentities.safeParse(
      parseJson(await deps.opener.open(batch.identities, ENROLMENT_IDENTITIES_PURPOSE, { maxChars: ENROLMENT_IDENTITIES_MAX })),
    );
    if (!opened.success || opened.data.length !== batch.changes.length)
      throw new MalformedEventError('The envelope does not hold one resident identity number per change.');
    const today = deps.clock.now().toISOString().slice(0, 10);
    const rejected: RejectedLine[] = [];
    const work: Array<{ change: EnrolmentChangesData['changes'][number]; links: IdentityLink[] }> = [];
    batch.changes.forEach((change, i) => {
      if (change.change === 'LEFT') return void work.push({ change, links: [] });
      if (change.on > today) return void rejected.push({ line: change.line, code: 'IN_THE_FUTURE', reason: 'the enrolment date lies in the future' });
      const checked = checkResidentId(opened.data[i] ?? '', today);
      if (!checked.ok) return void rejected.push({ line: change.line, code: 'RESIDENT_ID_INVALID', reason: RESIDENT_ID_PROBLEMS[checked.problem] });
      work.push({ change, links: deps.pseudonymiser.linksOf(checked.residentId) });
    });
    const now = deps.clock.now();
    const result = await deps.uow.withTransaction(async (tx) => {
      if (!(await deps.uow.claimEvent(tx, ENROLMENT_CONSUMER, ctx.eventId))) return null;
      await deps.enrolments.lockLinks(
        tx,
        work.flatMap((w) => w.links),
      );
      const applied: EnrolmentAppliedData = { batchId: batch.batchId, batch: batch.batch, enrolled: [], pending: [], left: 0, unchanged: 0, rejected };
      const children: EnrolledChild[] = [];
      const send = (schoolAgencyId: string, type: EnrolmentEventType, subject: string, data: unknown) =>
        deps.uow.enqueueEvent(tx, agencyTopic(schoolAgencyId), {
          id: randomUUID(),
          type,
          subject,
          recipient: schoolAgencyId,
          data,
          time: now,
          ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
        });
      for (const { change, links } of work) {
        if (change.change === 'LEFT') {
          const left = await deps.enrolments.leave(tx, { schoolAgencyId: school, localRef: change.studentNumber, on: change.on, at: now });
          if (!left) {
            applied.rejected.push({ line: change.line, code: 'UNKNOWN_STUDENT', reason: 'no student with this number is enrolled at the school' });
            continue;
          }
          applied.left++;
          if (left.transfer) {
            const t = left.transfer;
            await send(t.toSchoolAgencyId, ENROLMENT_EVENT_TYPES.transferCompleted, t.subjectId, {
              pseudonym: t.subjectId,
              studentNumber: t.localRef,
              since: t.since,
            });
            children.push({ subjectId: t.subjectId, schoolAgencyId: t.toSchoolAgencyId, links: [] });
          }
          continue;
        }
        const subjectId = (await deps.enrolments.subjectByLinks(tx, links)) ?? deps.pseudonymiser.pseudonymOf(links[0]!);
        const outcome = await deps.enrolments.enrol(tx, {
          subjectId,
          schoolAgencyId: school,
          grade: change.grade,
          classRef: change.classRef,
          localRef: change.studentNumber,
          since: change.on,
          links,
          at: now,
        });
        if (outcome.kind === 'NUMBER_TAKEN') {
          applied.rejected.push({
            line: change.line,
            code: 'STUDENT_NUMBER_TAKEN',
            reason: 'the student number belongs to another child enrolled at the school',
          });
          continue;
        }
        if (outcome.kind === 'UNCHANGED') {
          applied.unchanged++;
          continue;
        }
        if (outcome.kind === 'TRANSFER_PENDING') {
          // The asking school learns no pseudonym until the school the child is enrolled at has released them.
          applied.pending.push({ line: change.line, studentNumber: change.studentNumber });
          await send(outcome.from.schoolAgencyId, ENROLMENT_EVENT_TYPES.transferRequested, subjectId, {
            pseudonym: subjectId,
            studentNumber: outcome.from.localRef,
            toSchoolAgencyId: school,
            on: change.on,
          });
          continue;
        }
        applied.enrolled.push({ line: change.line, studentNumber: change.studentNumber, pseudonym: subjectId });
        children.push({ subjectId, schoolAgencyId: school, links });
      }
      if (children.length > 0) await deps.afterEnrolment?.(tx, children);
      applied.rejected.sort((a, b) => a.line - b.line);
      await send(school, ENROLMENT_EVENT_TYPES.applied, batch.batchId, applied);
      return applied;
    });
    if (result) deps.onOutgoing?.();
    return result;
  }

  /** A student's stays, oldest first, for the psychology staff of the school the student is enrolled at (R87). */
  async function history(principal: Principal | null, subjectId: string, correlationId?: string): Promise<Enrolment[]> {
    const gate = createPolicyGate({ policy: deps.policy, audit: deps.audit, clock: deps.clock, correlationId: correlationId ?? null, purpose: 'enrolment' });
    const subject = await deps.directory.findSubject(subjectId);
    if (!subject) throw new NotFoundError('subject');
    await gate.require(principal, 'enrolment.read-history', { subjectId, type: 'subject', schoolAgencyId: subject.schoolAgencyId }, subjectId, {
      concealAs: 'subject',
    });
    return deps.enrolments.history(subjectId);
  }

  return { applyBatch, history };
}

export type EnrolmentService = ReturnType<typeof createEnrolmentService>;
