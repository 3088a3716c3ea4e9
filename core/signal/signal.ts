/**
 * An early-warning signal about a minor from public safety (R52-R57): what the police saw, how grave, and what the
 * school did about it. The hub routes it to the school the child is enrolled in and holds the school to a deadline.
 */
export const SIGNAL_CATEGORIES = ['ONLINE_SELF_HARM_RISK', 'MISSING_CHILD', 'DOMESTIC_VIOLENCE_EXPOSURE', 'BULLYING_OR_CRIME_VICTIM', 'OTHER'] as const;
export type SignalCategory = (typeof SIGNAL_CATEGORIES)[number];

export const SIGNAL_SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
export type SignalSeverity = (typeof SIGNAL_SEVERITIES)[number];

/** What a school records having done when it acknowledges a signal; the police see these categories, nothing more. */
export const SCHOOL_SIGNAL_ACTIONS = ['TALK', 'HOME_VISIT', 'WARNING_ENTRY', 'REFERRAL'] as const;
export type SchoolSignalAction = (typeof SCHOOL_SIGNAL_ACTIONS)[number];

/** UNMATCHED: no school has the child enrolled (the district bureau's queue); ROUTED: with the school; ACKNOWLEDGED. */
export type SignalState = 'UNMATCHED' | 'ROUTED' | 'ACKNOWLEDGED';

/** The lawful bases on which a school may open the police note (PIPL Art. 13). */
export const NOTE_BASES = ['CONSENT', 'STATUTORY_DUTY', 'EMERGENCY'] as const;
export type NoteBasis = (typeof NOTE_BASES)[number];

export interface Signal {
  id: string;
  policeAgencyId: string;
  /** The police system's own id for the signal: the same source id twice is one signal. */
  sourceId: string;
  policeDistrictId: string | null;
  policeLocalId: string;
  subjectId: string | null;
  schoolAgencyId: string | null;
  category: SignalCategory;
  severity: SignalSeverity;
  observedAt: Date;
  receivedAt: Date;
  routedAt: Date | null;
  /** When the school must have acknowledged (set on routing, by severity). */
  dueAt: Date | null;
  hasNote: boolean;
  /** Signals about one child within the episode window share this id. */
  episodeId: string;
  state: SignalState;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  actions: SchoolSignalAction[];
  acknowledgementNote: string | null;
  /** When the missed deadline was escalated to the district bureau. */
  escalatedAt: Date | null;
  guidance: SignalGuidance[];
}

export interface SignalGuidance {
  sequence: number;
  givenAt: Date;
  givenBy: string;
  text: string;
}

/** Deadlines and windows (README "Signals from public safety"; configuration SIGNAL_*). */
export interface SignalPolicy {
  acknowledgeWithinMs: Record<SignalSeverity, number>;
  episodeWindowMs: number;
  /** How long a routed signal sets the "handle with care" flag for the child's carers. */
  flagForMs: number;
  /** Signals older than this are purged with their guidance and note openings. */
  retentionMs: number;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export const DEFAULT_SIGNAL_POLICY: SignalPolicy = {
  acknowledgeWithinMs: { CRITICAL: HOUR, HIGH: 24 * HOUR, MEDIUM: 72 * HOUR, LOW: 72 * HOUR },
  episodeWindowMs: 14 * DAY,
  flagForMs: 30 * DAY,
  retentionMs: 365 * DAY,
};

/** A school's report to its police liaison (R56; mandatory reporting of harm to a minor). */
export const SCHOOL_REPORT_KINDS = ['CRISIS', 'SUSPECTED_HARM'] as const;
export type SchoolReportKind = (typeof SCHOOL_REPORT_KINDS)[number];

export interface SchoolReport {
  id: string;
  schoolAgencyId: string;
  policeAgencyId: string;
  subjectId: string;
  kind: SchoolReportKind;
  summary: string;
  reportedBy: string;
  reportedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
}
