/**
 * Event ids a consumer refused (bad signature, wrong recipient, stale, ...). Remembered so that the same event
 * cannot be slipped in again later, e.g. once a stale event is replayed inside a new freshness window by a clock
 * that is wrong. Kept for as long as processed ids are: one freshness window is the least.
 */
export interface RefusedEvents {
  wasRefused(consumer: string, eventId: string): Promise<boolean>;
  remember(consumer: string, eventId: string, reason: string, at: Date): Promise<void>;
}
