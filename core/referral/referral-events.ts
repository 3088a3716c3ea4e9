import { z } from 'zod';
import { identifier, safeText } from '../safe-text.js';
import { REFERRAL_STATES, REFERRAL_ACTIONS } from './referral-state-machine.js';

/**
 * The referral capability's events on the bus, hub ↔ agencies. Consumers validate every payload against these
 * schemas after verifying its signature; anything that does not match goes to the dead-letter topic.
 */
export const REFERRAL_EVENT_TYPES = {
  /** Hub → receiving hospital or counselling centre: a school sent a referral. Only the fields the policy discloses. */
  sent: 'org.careloop.referral.sent.v1',
  /** Hub → school and receiving agency: a referral moved (or recorded evidence without moving). */
  statusChanged: 'org.careloop.referral.status-changed.v1',
  /** Receiving agency → hub: what the hospital's system reports about a referral addressed to it. */
  hospitalReport: 'org.careloop.referral.hospital-report.v1',
  /** Hub → school (acknowledgement, appointment, follow-up) or district bureau (stalled): a deadline passed. */
  overdue: 'org.careloop.referral.overdue.v1',
} as const;

const isoDate = z.iso.datetime({ offset: true });

export const REFERRAL_CHANNELS = ['OUTPATIENT', 'COUNSELLING'] as const;
export type ReferralChannel = (typeof REFERRAL_CHANNELS)[number];

/** Risk levels a clinician reports, in the hub's own small vocabulary (the hospital maps its scale to it). */
export const RISK_LEVELS = ['LOW', 'MODERATE', 'HIGH', 'IMMINENT'] as const;

export const RETURN_RECOMMENDATIONS = ['NOT_YET', 'RETURN', 'RETURN_WITH_CONDITIONS', 'THIRD_PARTY_ASSESSMENT'] as const;

/** The actions a receiving agency's system may report; each is a state-machine action of the hub. */
export const HOSPITAL_REPORT_ACTIONS = [
  'ACCEPT',
  'DECLINE',
  'SCHEDULE',
  'RECORD_NO_SHOW',
  'RECORD_ATTENDANCE',
  'START_TREATMENT',
  'ADMIT',
  'DISCHARGE',
  'RECORD_TREATMENT_UPDATE',
  'RECEIVE_RECOVERY_CERTIFICATE',
] as const satisfies ReadonlyArray<(typeof REFERRAL_ACTIONS)[number]>;
export type HospitalReportAction = (typeof HOSPITAL_REPORT_ACTIONS)[number];

export const codedConcept = z.object({
  system: z.string().min(1).max(200),
  code: z.string().min(1).max(100),
  display: safeText({ max: 200, what: 'display' }).optional(),
});

/** Clinical detail: kept apart so that the policy can withhold it from schools by default (Mental Health Law Art. 4). */
export const clinicalDetail = z.object({
  diagnoses: z.array(codedConcept).max(20).optional(),
  medication: safeText({ max: 2000, what: 'medication' }).optional(),
});

/** A treatment update in plain words for the school, with the clinical part separate. */
export const treatmentUpdateData = z.object({
  riskLevel: z.enum(RISK_LEVELS).optional(),
  /** Guidance for the school in plain words (what to watch, how to support). */
  guidance: safeText({ max: 4000, what: 'guidance' }).optional(),
  nextAppointmentAt: isoDate.optional(),
  returnRecommendation: z.enum(RETURN_RECOMMENDATIONS).optional(),
  clinical: clinicalDetail.optional(),
});

export const appointmentData = z.object({
  start: isoDate,
  end: isoDate.optional(),
  location: safeText({ max: 300, what: 'location' }).optional(),
  /** The counselling slot the school booked, when the appointment is one. */
  slotId: identifier.optional(),
});

export const recoveryDocumentData = z.object({
  /** What the document is, e.g. "恢复证明" or "Discharge summary". */
  title: safeText({ max: 300, what: 'title' }),
  issuedAt: isoDate,
  /** The hospital system's own reference for the document (its URL or id); the document itself stays there. */
  reference: z.string().min(1).max(500).optional(),
});

export const referralSentData = z.object({
  referralId: identifier,
  code: z.string().min(4).max(20),
  channel: z.enum(REFERRAL_CHANNELS),
  schoolAgencyId: identifier,
  hospitalAgencyId: identifier,
  sentAt: isoDate,
  // Everything below is present only when the policy discloses it to the receiving agency.
  subjectId: identifier.optional(),
  reason: z.string().optional(),
  assessmentCategory: z.union([z.literal(2), z.literal(3)]).optional(),
  assessmentScales: z
    .array(z.object({ scale: z.string(), score: z.number() }))
    .max(20)
    .optional(),
  guardianNoticeGivenAt: isoDate.optional(),
});

export const referralStatusChangedData = z.object({
  referralId: identifier,
  state: z.enum(REFERRAL_STATES),
  previousState: z.enum(REFERRAL_STATES),
  action: z.enum(REFERRAL_ACTIONS),
  changedAt: isoDate,
  changedByAgencyId: identifier,
  /** Present when the change set or moved an appointment. */
  appointment: appointmentData.optional(),
  /** Present when the referral moved to another hospital (the new recipient). */
  hospitalAgencyId: identifier.optional(),
});

export const hospitalReportData = z
  .object({
    referralId: identifier,
    action: z.enum(HOSPITAL_REPORT_ACTIONS),
    /** The person the agency's system names. */
    reportedBy: safeText({ max: 200, what: 'reportedBy' }),
    /** The credential the agency's system proved to its connector (`api-key:<id>` or `token:<subject>`). */
    reportedVia: z.string().min(1).max(200),
    reportedAt: isoDate,
    reason: safeText({ max: 2000, what: 'reason' }).optional(),
    appointment: appointmentData.optional(),
    update: treatmentUpdateData.optional(),
    document: recoveryDocumentData.optional(),
  })
  .refine((d) => d.action !== 'DECLINE' || d.reason !== undefined, { message: 'a decline needs a reason', path: ['reason'] })
  .refine((d) => d.action !== 'SCHEDULE' || d.appointment !== undefined, { message: 'scheduling needs an appointment', path: ['appointment'] })
  .refine((d) => d.action !== 'RECEIVE_RECOVERY_CERTIFICATE' || d.document !== undefined, {
    message: 'a recovery certificate needs its document',
    path: ['document'],
  })
  .refine((d) => d.action !== 'RECORD_TREATMENT_UPDATE' || d.update !== undefined, { message: 'a treatment update needs its content', path: ['update'] });

export const DEADLINE_KINDS = ['ACKNOWLEDGEMENT', 'FIRST_APPOINTMENT', 'STALLED', 'FOLLOW_UP'] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];

export const referralOverdueData = z.object({
  referralId: identifier,
  kind: z.enum(DEADLINE_KINDS),
  dueAt: isoDate,
  raisedAt: isoDate,
  schoolAgencyId: identifier,
});

export type ReferralSentData = z.infer<typeof referralSentData>;
export type ReferralStatusChangedData = z.infer<typeof referralStatusChangedData>;
export type HospitalReportData = z.infer<typeof hospitalReportData>;
export type ReferralOverdueData = z.infer<typeof referralOverdueData>;
export type TreatmentUpdateData = z.infer<typeof treatmentUpdateData>;
export type AppointmentData = z.infer<typeof appointmentData>;

export const REFERRAL_EVENT_SCHEMAS = {
  [REFERRAL_EVENT_TYPES.sent]: referralSentData,
  [REFERRAL_EVENT_TYPES.statusChanged]: referralStatusChangedData,
  [REFERRAL_EVENT_TYPES.hospitalReport]: hospitalReportData,
  [REFERRAL_EVENT_TYPES.overdue]: referralOverdueData,
} as const;
