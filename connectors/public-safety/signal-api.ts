import { z } from 'zod';
import { checkResidentId, RESIDENT_ID_PROBLEMS } from '../../core/enrolment/resident-id.js';
import { identifier, safeText } from '../../core/safe-text.js';
import { SIGNAL_CATEGORIES, SIGNAL_SEVERITIES } from '../../core/signal/signal.js';
import { guidanceText, observedInstant, SIGNAL_BATCH_MAX } from '../../core/signal/signal-events.js';

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
  note: safeText({ max: 2000, what: 'note' }).optional(),
  child: z.object({ residentId: z.string().max(32), localId: identifier }),
});

/** A batch from a police system's export: each signal checked on its own, so one bad signal costs only itself. */
export const signalBatchRequest = z.object({ signals: z.array(z.unknown()).min(1).max(SIGNAL_BATCH_MAX) });

/** The largest batch body the connector reads: 500 signals with notes of 2,000 characters of Chinese fit. */
export const SIGNAL_BATCH_BODY_LIMIT = 4 * 1024 * 1024;

/** The check of the number, as a refinement whose message names the rule, never the number. */
export function residentIdIssue(residentId: string, today: string): string | null {
  const checked = checkResidentId(residentId, today);
  return checked.ok ? null : RESIDENT_ID_PROBLEMS[checked.problem];
}

export const guidanceRequest = z.object({ sourceId: identifier, text: guidanceText, givenBy: identifier });

export const reportAcknowledgementRequest = z.object({ reportId: identifier, acknowledgedBy: identifier });
