import { z } from 'zod';
import { identifier, safeText } from '../safe-text.js';
import { SCHOOL_REPORT_KINDS, SCHOOL_SIGNAL_ACTIONS, SIGNAL_CATEGORIES, SIGNAL_SEVERITIES } from './signal.js';

/** Events of police signals and school reports (README "Signals from public safety"). */
export const SIGNAL_EVENT_TYPES = {
  /** Police → hub: a signal, the child's number and the note each in an envelope sealed to the hub. */
  raised: 'org.careloop.signal.raised.v1',
  /** Police → hub: up to 500 signals at once, every child's number and note together in one envelope sealed to the hub. */
  batchRaised: 'org.careloop.signal.batch-raised.v1',
  /** Hub → school: a "handle with care" notice: category, severity and the deadline, never the note. */
  notice: 'org.careloop.signal.notice.v1',
  /** Hub → police: where their signal stands: unmatched, with the school, acknowledged (and what was done), overdue. */
  status: 'org.careloop.signal.status.v1',
  /** Hub → school: the notices of one batch of signals for the school's children, in one event. */
  notices: 'org.careloop.signal.notices.v1',
  /** Hub → police: where each signal of one batch stands, in one event. */
  statuses: 'org.careloop.signal.statuses.v1',
  /** Police → hub: guidance on the school's intervention (R53). */
  guidance: 'org.careloop.signal.guidance.v1',
  /** Hub → school: the police guidance on a signal. */
  guidanceForwarded: 'org.careloop.signal.guidance-forwarded.v1',
  /** Hub → police: a school's report of a crisis or suspected harm to a minor (R56). */
  schoolReport: 'org.careloop.signal.school-report.v1',
  /** Police → hub: the report was received. */
  reportAcknowledged: 'org.careloop.signal.report-acknowledged.v1',
} as const;

/** Envelope purposes: an envelope made for one field does not open as another. */
export const SIGNAL_IDENTITY_PURPOSE = 'signal.identity';
export const SIGNAL_NOTE_PURPOSE = 'signal.note';
export const SIGNAL_BATCH_PURPOSE = 'signal.batch';

/** Signals in one batch: a police system's export is cut into batches of this many (README "Signals from public safety"). */
export const SIGNAL_BATCH_MAX = 500;
/**
 * The largest batch event a connector publishes: a broker takes 1 MB a message by default, and an event the hub
 * refuses is dead-lettered whole with its reason, which must fit too. A connector cuts an export into several events
 * when its notes are long.
 */
export const SIGNAL_BATCH_EVENT_MAX_BYTES = 600_000;

/** The sealed part of a batch event at most: it travels inside the event, so the hub refuses anything larger unopened. */
export const SIGNAL_BATCH_SEALED_MAX = SIGNAL_BATCH_EVENT_MAX_BYTES;

/** The clock difference the hub allows a police system: a signal observed further ahead is refused. */
export const SIGNAL_FUTURE_SLACK_MS = 5 * 60_000;

const envelope = z.string().min(1).max(16_384);
const instant = z.iso.datetime({ offset: true });
/** When something was observed: a real instant of this century (the future is refused by the receiver's clock). */
export const observedInstant = instant.refine((v) => new Date(v).getUTCFullYear() >= 2000, 'observedAt lies before 2000');

export const signalRaisedData = z.object({
  sourceId: identifier,
  category: z.enum(SIGNAL_CATEGORIES),
  severity: z.enum(SIGNAL_SEVERITIES),
  observedAt: observedInstant,
  /** The issuing officer's number, as the police system names them. */
  officer: identifier,
  child: z.object({ identity: envelope, localId: identifier }),
  note: envelope.optional(),
});
export type SignalRaisedData = z.infer<typeof signalRaisedData>;

/** One signal of a batch, as it crosses the bus: everything but the child's number and the note. */
export const batchedSignal = z.object({
  sourceId: identifier,
  category: z.enum(SIGNAL_CATEGORIES),
  severity: z.enum(SIGNAL_SEVERITIES),
  observedAt: observedInstant,
  officer: identifier,
  localId: identifier,
});
export const signalBatchData = z.object({
  signals: z.array(batchedSignal).min(1).max(SIGNAL_BATCH_MAX),
  /** JSON `[{ residentId, note? }]` in the order of `signals`, sealed to the hub (purpose `signal.batch`). */
  sealed: z.string().min(1).max(SIGNAL_BATCH_SEALED_MAX),
});
export type SignalBatchData = z.infer<typeof signalBatchData>;
/** What the batch's envelope holds, once opened: one entry per signal, in order. */
export const signalBatchSecrets = z.array(z.unknown()).max(SIGNAL_BATCH_MAX);
/** The officer's short note on a signal, at the connector's door and in the sealed batch alike. */
export const policeNote = safeText({ max: 2000, what: 'note' });

/** One entry of it, checked on its own so that a bad entry costs only its signal; the note as the police API takes it. */
export const signalBatchSecret = z.object({ residentId: z.string().max(32), note: policeNote.optional() });

export const signalNoticeData = z.object({
  signalId: identifier,
  subjectId: identifier,
  category: z.enum(SIGNAL_CATEGORIES),
  severity: z.enum(SIGNAL_SEVERITIES),
  episodeId: identifier,
  acknowledgeBy: instant,
});
export type SignalNoticeData = z.infer<typeof signalNoticeData>;
export const signalNoticesData = z.object({ notices: z.array(signalNoticeData).min(1).max(SIGNAL_BATCH_MAX) });
export type SignalNoticesData = z.infer<typeof signalNoticesData>;

export const signalStatusData = z.object({
  sourceId: identifier,
  /** Absent when the hub refused the signal (REFUSED). */
  signalId: identifier.optional(),
  status: z.enum(['UNMATCHED', 'ROUTED', 'ACKNOWLEDGED', 'OVERDUE', 'REFUSED']),
  /** For REFUSED: the error code (README "Error codes"), never the value that caused it. */
  reason: z
    .string()
    .regex(/^[A-Z_]{1,40}$/)
    .optional(),
  actions: z.array(z.enum(SCHOOL_SIGNAL_ACTIONS)).max(SCHOOL_SIGNAL_ACTIONS.length),
  at: instant,
});
export type SignalStatusData = z.infer<typeof signalStatusData>;
export const signalStatusesData = z.object({ statuses: z.array(signalStatusData).min(1).max(SIGNAL_BATCH_MAX) });
export type SignalStatusesData = z.infer<typeof signalStatusesData>;

export const guidanceText = safeText({ max: 2000, what: 'guidance' });

export const signalGuidanceData = z.object({ sourceId: identifier, text: guidanceText, givenBy: identifier });
export type SignalGuidanceData = z.infer<typeof signalGuidanceData>;

export const signalGuidanceForwardedData = z.object({ signalId: identifier, subjectId: identifier, text: z.string().max(2000), givenAt: instant });
export type SignalGuidanceForwardedData = z.infer<typeof signalGuidanceForwardedData>;

export const schoolReportData = z.object({
  reportId: identifier,
  schoolAgencyId: identifier,
  subjectId: identifier,
  kind: z.enum(SCHOOL_REPORT_KINDS),
  summary: z.string().max(2000),
  reportedAt: instant,
});
export type SchoolReportData = z.infer<typeof schoolReportData>;

export const reportAcknowledgedData = z.object({ reportId: identifier, acknowledgedBy: identifier });
export type ReportAcknowledgedData = z.infer<typeof reportAcknowledgedData>;

export const SIGNAL_EVENT_SCHEMAS = {
  [SIGNAL_EVENT_TYPES.raised]: signalRaisedData,
  [SIGNAL_EVENT_TYPES.batchRaised]: signalBatchData,
  [SIGNAL_EVENT_TYPES.notice]: signalNoticeData,
  [SIGNAL_EVENT_TYPES.notices]: signalNoticesData,
  [SIGNAL_EVENT_TYPES.status]: signalStatusData,
  [SIGNAL_EVENT_TYPES.statuses]: signalStatusesData,
  [SIGNAL_EVENT_TYPES.guidance]: signalGuidanceData,
  [SIGNAL_EVENT_TYPES.guidanceForwarded]: signalGuidanceForwardedData,
  [SIGNAL_EVENT_TYPES.schoolReport]: schoolReportData,
  [SIGNAL_EVENT_TYPES.reportAcknowledged]: reportAcknowledgedData,
} as const;
