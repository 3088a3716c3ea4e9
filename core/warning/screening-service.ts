import { randomUUID } from 'node:crypto';
import { createPolicyGate } from '../access/policy-gate.js';
import type { Clock } from '../clock.js';
import { agencyTopic } from '../messages/topics.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { DirectoryStore } from '../ports/directory.js';
import type { PolicyEngine, Principal } from '../ports/policy-engine.js';
import type { UnitOfWork } from '../ports/unit-of-work.js';
import type { RejectedLine } from '../validation/rejected-line.js';
import { SCREENING_EVENT_TYPES, type ScreeningBatchAppliedData, type ScreeningResultsData } from './screening-events.js';
import type { ScreeningResult, ScreeningStore } from './screening-store.js';

/** Identifies the applier of screening batches in `processed_events`. */
const SCREENING_CONSUMER = 'hub.screening';

/**
 * Applies the screening census a school's system imports through its connector (R07-R08): each batch, signed by
 * the school, lands in the students' records once, however often it is delivered, and the school is told what was
 * applied, what was already on record, and which lines name a student the school has not enrolled.
 */
export function createScreeningService(deps: {
  uow: UnitOfWork;
  screenings: ScreeningStore;
  directory: DirectoryStore;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
  onOutgoing?: () => void;
}) {
  async function applyBatch(
    principal: Principal,
    batch: ScreeningResultsData,
    ctx: { eventId: string; correlationId?: string },
  ): Promise<ScreeningBatchAppliedData> {
    const gate = createPolicyGate({ policy: deps.policy, audit: deps.audit, clock: deps.clock, correlationId: ctx.correlationId ?? null, purpose: 'warning' });
    const school = principal.agencyId;
    await gate.require(principal, 'warning.import-screening', { type: 'screening-import', schoolAgencyId: school }, batch.importId);
    const numbers = [...new Set(batch.rows.map((r) => r.studentNumber))];
    const enrolled = new Map((await deps.directory.findSubjectsByLocalRef(school, numbers)).map((s) => [s.localRef, s]));
    const now = deps.clock.now();
    const rejected: RejectedLine[] = [];
    const placed: ScreeningResult[] = [];
    for (const row of batch.rows) {
      const subject = enrolled.get(row.studentNumber);
      if (!subject) rejected.push({ line: row.line, code: 'UNKNOWN_STUDENT', reason: 'no student with this number is enrolled at the school' });
      else if (row.pseudonym && row.pseudonym !== subject.id)
        rejected.push({ line: row.line, code: 'PSEUDONYM_MISMATCH', reason: 'the pseudonym does not match the student number' });
      else
        placed.push({
          subjectId: subject.id,
          schoolAgencyId: school,
          scale: row.scale,
          takenOn: row.takenOn,
          score: row.score,
          assessor: row.assessor,
          importId: batch.importId,
          recordedAt: now,
        });
    }
    const outcome = await deps.uow.withTransaction(async (tx) => {
      if (!(await deps.uow.claimEvent(tx, SCREENING_CONSUMER, ctx.eventId))) return null;
      const { applied } = await deps.screenings.record(tx, placed);
      const result: ScreeningBatchAppliedData = { importId: batch.importId, batch: batch.batch, applied, unchanged: placed.length - applied, rejected };
      await deps.uow.enqueueEvent(tx, agencyTopic(school), {
        id: randomUUID(),
        type: SCREENING_EVENT_TYPES.batchApplied,
        subject: batch.importId,
        recipient: school,
        data: result,
        time: now,
        ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
      });
      return result;
    });
    if (outcome) deps.onOutgoing?.();
    return outcome ?? { importId: batch.importId, batch: batch.batch, applied: 0, unchanged: placed.length, rejected };
  }

  return { applyBatch };
}

export type ScreeningService = ReturnType<typeof createScreeningService>;
