import { z } from 'zod';
import { identifier, safeText } from '../safe-text.js';
import { SCHOOL_REPORT_KINDS, SCHOOL_SIGNAL_ACTIONS, SIGNAL_CATEGORIES, SIGNAL_SEVERITIES } from './signal.js';

/** Events of police signals and school reports (README "Signals from public safety"). */
export const SIGNAL_EVENT_TYPES = {
  /** Police → hub: a signal, the child's number and the note each in an envelope sealed to the hub. */
  raised: 'org.careloop.signal.raised.v1',
  /** Hub → school: a "handle with care" notice: category, severity and the deadline, never the note. */
  notice: 'org.careloop.signal.notice.v1',
  /** Hub → police: where their signal stands: unmatched, with the school, acknowledged (and what was done), overdue. */
  status: 'org.careloop.signal.status.v1',
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

export const signalNoticeData = z.object({
  signalId: identifier,
  subjectId: identifier,
  category: z.enum(SIGNAL_CATEGORIES),
  severity: z.enum(SIGNAL_SEVERITIES),
  episodeId: identifier,
  acknowledgeBy: instant,
});
export type SignalNoticeData = z.infer<typeof signalNoticeData>;

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
  [SIGNAL_EVENT_TYPES.notice]: signalNoticeData,
  [SIGNAL_EVENT_TYPES.status]: signalStatusData,
  [SIGNAL_EVENT_TYPES.guidance]: signalGuidanceData,
  [SIGNAL_EVENT_TYPES.guidanceForwarded]: signalGuidanceForwardedData,
  [SIGNAL_EVENT_TYPES.schoolReport]: schoolReportData,
  [SIGNAL_EVENT_TYPES.reportAcknowledged]: reportAcknowledgedData,
} as const;
