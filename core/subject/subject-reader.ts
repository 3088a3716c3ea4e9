import type { Clock } from '../clock.js';
import { disclose } from '../access/disclosure.js';
import { createPolicyGate } from '../access/policy-gate.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { DirectoryStore, SubjectRecord } from '../ports/directory.js';
import type { PolicyEngine, Principal } from '../ports/policy-engine.js';

export type DisclosedSubject = Partial<SubjectRecord> & { id: string };

/** A request-scoped, policy-checked view of the subjects (pseudonymous students) a school may see. */
export function createSubjectReader(options: {
  principal: Principal | null;
  directory: DirectoryStore;
  audit: AuditLog;
  policy: PolicyEngine;
  clock: Clock;
  correlationId?: string;
}) {
  const { principal } = options;
  const gate = createPolicyGate({ policy: options.policy, audit: options.audit, clock: options.clock, correlationId: options.correlationId ?? null });
  return {
    async students(): Promise<DisclosedSubject[]> {
      await gate.require(principal, 'subject.list', { type: 'collection', of: 'subject' }, null);
      const subjects = await options.directory.listSubjects(principal?.agencyId ?? '');
      const shown = await Promise.all(
        subjects.map(async (s) => {
          const decision = await gate.decide(principal, 'subject.read', { type: 'subject', schoolAgencyId: s.schoolAgencyId }, s.id);
          return decision.allow ? { ...disclose(s, decision.fields), id: s.id } : null;
        }),
      );
      return shown.filter((s): s is DisclosedSubject => s !== null);
    },
  };
}

export type SubjectReader = ReturnType<typeof createSubjectReader>;
