import { z } from 'zod';
import { checkResidentId, RESIDENT_ID_PROBLEMS } from '../../core/enrolment/resident-id.js';
import { identifier } from '../../core/safe-text.js';
import { SIGNAL_CATEGORIES, SIGNAL_SEVERITIES } from '../../core/signal/signal.js';
import type { RejectedLineCode } from '../../core/validation/rejected-line.js';
import { guidanceText, observedInstant, policeNote, SIGNAL_BATCH_MAX, SIGNAL_FUTURE_SLACK_MS } from '../../core/signal/signal-events.js';

/**
 * The police system's JSON API on its connector (README "Signals from public safety"). The resident identity
 * number arrives here in clear over the agency's own link, is checked, sealed to the hub and never kept or logged.
 */
export const signalRequest = z.object({
  sourceId: identifier,
  category: z.enum(SIGNAL_CATEGORIES),
  severity: z.enum(SIGNAL_SEVERITIES),
  observedAt: observedInstant,
  officer: identifier,
  note: policeNote.optional(),
  child: z.object({ residentId: z.string().max(32), localId: identifier }),
});

export type SignalRequest = z.infer<typeof signalRequest>;

/** A batch from a police system's export: each signal checked on its own, so one bad signal costs only itself. */
export const signalBatchRequest = z.object({ signals: z.array(z.unknown()).min(1).max(SIGNAL_BATCH_MAX) });

/** The largest batch body the connector reads: 500 signals with notes of 2,000 characters of Chinese fit. */
export const SIGNAL_BATCH_BODY_LIMIT = 4 * 1024 * 1024;

/** A signal's number as it is sealed to the hub: the check character upper-case, no surrounding space. */
export const normalisedResidentId = (s: SignalRequest) => s.child.residentId.trim().toUpperCase();

/**
 * What the schema cannot check of a signal, the same for one sent alone (a 400) and one line of a batch (a refused
 * line): the number's check character and birth date, and a time not ahead of the hub's clock (it would only be
 * dead-lettered). The reason names the rule, never the number.
 */
export function signalIssue(s: SignalRequest, now: Date): { field: string; code: RejectedLineCode; reason: string } | null {
  const checked = checkResidentId(s.child.residentId, now.toISOString().slice(0, 10));
  if (!checked.ok) return { field: 'child.residentId', code: 'RESIDENT_ID_INVALID', reason: RESIDENT_ID_PROBLEMS[checked.problem] };
  if (new Date(s.observedAt).getTime() > now.getTime() + SIGNAL_FUTURE_SLACK_MS)
    return { field: 'observedAt', code: 'IN_THE_FUTURE', reason: 'observedAt lies in the future' };
  return null;
}

export const guidanceRequest = z.object({ sourceId: identifier, text: guidanceText, givenBy: identifier });

export const reportAcknowledgementRequest = z.object({ reportId: identifier, acknowledgedBy: identifier });
