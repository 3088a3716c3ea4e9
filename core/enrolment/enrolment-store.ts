import type { IdentityLink } from '../ports/identity-linkage.js';
import type { Transaction } from '../ports/unit-of-work.js';
import type { CompletedTransfer, Enrolment, EnrolOutcome } from './enrolment.js';

/** How a link is named in a map: its key id and digest together. */
export const linkKey = (link: IdentityLink) => `${link.keyId}:${link.digest}`;

/** The enrolment register and the identity links behind it (migration set `hub`, 0008). */
export interface EnrolmentStore {
  /** The child linked to any of `links`, if the hub has seen the number before. */
  subjectByLinks(tx: Transaction, links: readonly IdentityLink[]): Promise<string | null>;
  /**
   * Holds these numbers' links until `tx` ends, across every replica: an enrolment and a police signal about one child
   * then never commit unseen by each other (the signal would wait UNMATCHED for a child already enrolled), and two
   * batches about one child place their episodes one after the other.
   */
  lockLinks(tx: Transaction, links: readonly IdentityLink[]): Promise<void>;
  /**
   * The children linked to any of `links`, keyed by `linkKey` of the link that matched, each with the school it is
   * enrolled at now (null once it has left school): a batch's lookups in one statement.
   */
  childrenByLinks(tx: Transaction, links: readonly IdentityLink[]): Promise<Map<string, { subjectId: string; schoolAgencyId: string | null }>>;
  /**
   * Enrols the child at the school (a new child, a new grade or class, a child who left another school) and links
   * every given digest; a child enrolled at another school is held as a pending transfer instead.
   */
  enrol(tx: Transaction, enrolment: Omit<Enrolment, 'until'> & { links: readonly IdentityLink[]; at: Date }): Promise<EnrolOutcome>;
  /**
   * Closes the school's enrolment of the student with this number, and completes a transfer another school asked
   * for, if one waits. Null when the school has no such student enrolled.
   */
  leave(
    tx: Transaction,
    change: { schoolAgencyId: string; localRef: string; on: string; at: Date },
  ): Promise<{ subjectId: string; transfer: CompletedTransfer | null } | null>;
  /**
   * Links agencies' own ids for children (police record numbers), in one write; for an id given twice, the last holds.
   * A link is stamped with the `at` it was made: an id linked again to the same child keeps its first time.
   */
  linkLocalIds(tx: Transaction, links: readonly { agencyId: string; localId: string; subjectId: string; at: Date }[]): Promise<void>;
  /** Every stay of the child, oldest first. */
  history(subjectId: string): Promise<Enrolment[]>;
  /** How many students each class of a school has enrolled, for the mentor grid (R11). */
  classSizes(schoolAgencyId: string): Promise<Array<{ grade: number; classRef: string; students: number }>>;
}
