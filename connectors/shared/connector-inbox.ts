/** What the hub sent an agency, held by its connector until the agency's system fetched and acknowledged it. */
export interface InboxItem {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  correlationId: string | null;
  receivedAt: Date;
}

export interface ConnectorInbox {
  /** Stores items once each, in one write; returns how many were new (0 for a redelivered message). */
  add(items: readonly InboxItem[]): Promise<number>;
  pending(limit: number): Promise<InboxItem[]>;
  acknowledge(ids: string[], at: Date): Promise<number>;
  /** The correlation id the hub gave the case, so what the agency sends back is traceable with it in logs. */
  correlationIdOf(referralId: string): Promise<string | null>;
  /** Deletes items the agency's system acknowledged before `at` (retention); returns how many. */
  purgeAcknowledgedBefore(at: Date): Promise<number>;
}
