import type { IdentityLink } from '../ports/identity-linkage.js';
import type { Transaction } from '../ports/unit-of-work.js';
import type { SchoolReport, SchoolSignalAction, Signal, SignalCategory, SignalGuidance, SignalSeverity, SignalState, NoteBasis } from './signal.js';

export interface NewSignal {
  id: string;
  policeAgencyId: string;
  sourceId: string;
  policeDistrictId: string | null;
  policeLocalId: string;
  category: SignalCategory;
  severity: SignalSeverity;
  observedAt: Date;
  receivedAt: Date;
  /** The officer and the police note as the store keeps them at rest (`SignalStore.sealText`). */
  text: SealedSignalText;
  episodeId: string;
  /** Routed at once when the child is enrolled; otherwise it waits under the active key's link. */
  route: { subjectId: string; schoolAgencyId: string; dueAt: Date } | { waitingFor: IdentityLink };
}

/** A signal's officer and note, sealed at rest by the store; only the store makes one, and only the store reads it. */
export interface SealedSignalText {
  readonly sealed: { readonly officer: string; readonly note: string | null };
}

type Page<T> = { items: T[]; hasMore: boolean };
type PageArgs = { first: number; after?: string };

/** Signals, their guidance and note openings, and schools' reports to the police (migration set `signal`). */
export interface SignalStore {
  findBySource(tx: Transaction, policeAgencyId: string, sourceId: string): Promise<Signal | null>;
  /** Which of these source ids the bureau has sent before. */
  knownSources(tx: Transaction, policeAgencyId: string, sourceIds: readonly string[]): Promise<Set<string>>;
  /**
   * Inserts the signals whose source id the bureau has not sent before; the ids of those inserted. A source id that
   * another transaction inserted meanwhile (another replica) is left out, not an error. Each routed signal inserted
   * also links its bureau's record number to the child, as `EnrolmentStore.linkLocalIds` does (in the same
   * statement: one round trip a signal or batch fewer).
   */
  insertMany(tx: Transaction, signals: readonly NewSignal[]): Promise<Set<string>>;
  /** Seals a signal's officer and note for `insertMany`, before its transaction: no crypto while one holds the store. */
  sealText(signal: { officer: string; note: string | null }): SealedSignalText;
  /**
   * For each probe, the newest signal about the child (by pseudonym, or by link while unmatched) observed within
   * `windowMs` either side of `at`: at most one row a probe, however long the child's history. What a batch's
   * episodes are found among: a signal joins the newest within its window, and no other signal on record can be newer.
   */
  latestNear(
    tx: Transaction,
    probes: ReadonlyArray<{ child: { subjectId: string } | { link: IdentityLink }; at: Date }>,
    windowMs: number,
  ): Promise<Array<{ child: { subjectId: string } | { link: IdentityLink }; observedAt: Date; episodeId: string }>>;
  /** Unmatched signals waiting for a child with any of these links. */
  waitingFor(tx: Transaction, links: readonly IdentityLink[]): Promise<Signal[]>;
  route(tx: Transaction, id: string, routing: { subjectId: string; schoolAgencyId: string; routedAt: Date; dueAt: Date; episodeId: string }): Promise<void>;
  get(id: string, tx?: Transaction): Promise<Signal | null>;
  /** ROUTED → ACKNOWLEDGED; false when the signal is not (or no longer) awaiting acknowledgement. */
  acknowledge(tx: Transaction, id: string, ack: { at: Date; by: string; actions: readonly SchoolSignalAction[]; note: string | null }): Promise<boolean>;
  /** Routed signals past their deadline that have not been escalated yet. */
  overdue(now: Date, limit: number): Promise<Signal[]>;
  markEscalated(tx: Transaction, id: string, at: Date): Promise<boolean>;
  addGuidance(tx: Transaction, id: string, guidance: Omit<SignalGuidance, 'sequence'>): Promise<SignalGuidance>;
  /** The police note: in clear (sealed at rest by the store), or the police's envelope for a note kept before. */
  note(id: string): Promise<{ text: string } | { envelope: string } | null>;
  recordNoteOpening(
    tx: Transaction,
    opening: { signalId: string; at: Date; agencyId: string; userId: string; basis: NoteBasis; justification: string },
  ): Promise<void>;
  listForSchool(schoolAgencyId: string, page: PageArgs & { state?: SignalState }): Promise<Page<Signal>>;
  listForPolice(policeAgencyId: string, page: PageArgs): Promise<Page<Signal>>;
  /** The district bureau's queue: signals of its district's police that match no enrolled child. */
  listUnmatched(districtId: string, page: PageArgs): Promise<Page<Signal>>;
  /** Escalated signals routed to schools of the district. */
  listEscalated(districtId: string, page: PageArgs): Promise<Page<Signal>>;
  /** The children among `subjectIds` with a signal routed to the school since `since` (the "handle with care" flag). */
  flaggedAmong(schoolAgencyId: string, subjectIds: readonly string[], since: Date): Promise<Set<string>>;
  /** Forgets signals received before `at`, with their guidance and note openings. */
  purgeReceivedBefore(at: Date): Promise<number>;

  insertReport(tx: Transaction, report: SchoolReport): Promise<void>;
  getReport(id: string, tx?: Transaction): Promise<SchoolReport | null>;
  acknowledgeReport(tx: Transaction, id: string, at: Date, by: string): Promise<boolean>;
  listReportsForSchool(schoolAgencyId: string, page: PageArgs): Promise<Page<SchoolReport>>;
  listReportsForPolice(policeAgencyId: string, page: PageArgs): Promise<Page<SchoolReport>>;
}
