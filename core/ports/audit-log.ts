import type { Transaction } from './unit-of-work.js';

/** One line of the disclosure audit: every decision to show or refuse data (PIPL Arts. 44-45, 51). */
export interface AuditEntry {
  at: Date;
  principalAgencyId: string | null;
  principalUserId: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  allowed: boolean;
  fields: string[];
  reasons: string[];
  correlationId: string | null;
}

export interface AuditLog {
  /**
   * Writes the entries in one statement (a page of 50 referrals is 50 decisions and one insert). Inside `tx` when
   * given, so an audited change and its audit lines commit together; either way written before the caller answers.
   */
  record(entries: readonly AuditEntry[], tx?: Transaction): Promise<void>;
}
