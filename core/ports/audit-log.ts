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
  /** The role the principal acted in (`psychology-teacher`, `system`, ...). */
  principalRole?: string | null;
  /** The child the resource is about (pseudonym), so "who saw this child's data" can be answered. */
  subjectId?: string | null;
  /** The purpose the request declared (PIPL Art. 6). */
  purpose?: string | null;
  /** The lawful basis the policy found (`consent`, `statutory-duty`, `emergency`); null when denied. */
  legalBasis?: string | null;
  /** Which compiled policy decided. */
  policyVersion?: string | null;
}

/** An audit entry as stored: its place in the hash chain. */
export interface StoredAuditEntry extends AuditEntry {
  id: string;
  seq: number;
  prevHash: string;
  hash: string;
}

export interface AuditLog {
  /**
   * Writes the entries in one statement (a page of 50 referrals is 50 decisions and one insert). Inside `tx` when
   * given, so an audited change and its audit lines commit together; either way written before the caller answers.
   */
  record(entries: readonly AuditEntry[], tx?: Transaction): Promise<void>;
}

/** Reading the audit trail: who saw a child's data, when and why (PIPL Arts. 44-45). */
export interface AuditTrail {
  /**
   * Entries about one child, newest first, `first` after the sequence number `after`; `only` narrows them to what a
   * reader may be shown (allowed decisions only, none whose action starts with one of the prefixes).
   */
  forSubject(
    subjectId: string,
    page: { first: number; after?: number; only?: { allowedOnly: boolean; withoutActionPrefixes: readonly string[] } },
  ): Promise<{ items: StoredAuditEntry[]; hasMore: boolean }>;
  /** The decisions one person's declared emergency covered: about the child, by them, in its window. */
  underEmergency(subjectId: string, by: { agencyId: string; userId: string }, from: Date, to: Date): Promise<StoredAuditEntry[]>;
}
