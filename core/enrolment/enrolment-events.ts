import { z } from 'zod';
import { identifier } from '../safe-text.js';
import { receivedRejectedLine, rejectedLine } from '../validation/rejected-line.js';

/** Events of the enrolment register (README "Enrolment and identity linkage"). */
export const ENROLMENT_EVENT_TYPES = {
  /** School → hub: a batch of changes to the school's register, the children's numbers in one envelope. */
  changes: 'org.careloop.enrolment.changes.v1',
  /** Hub → school: the pseudonym of each child enrolled, and the lines the hub refused. */
  applied: 'org.careloop.enrolment.applied.v1',
  /** Hub → the school a child is enrolled at: another school asks to enrol the child; record LEFT to release them. */
  transferRequested: 'org.careloop.enrolment.transfer-requested.v1',
  /** Hub → the school that asked: the old school released the child, who is now enrolled here. */
  transferCompleted: 'org.careloop.enrolment.transfer-completed.v1',
} as const;

/** Changes per event: one envelope of 500 numbers is one ECDH agreement instead of 500. */
export const ENROLMENT_BATCH_SIZE = 500;

/** The purpose bound into the envelope of a batch's numbers. */
export const ENROLMENT_IDENTITIES_PURPOSE = 'enrolment.identities';
/** The sealed numbers of one register batch at most (500 numbers seal to ~25 kB). */
export const ENROLMENT_IDENTITIES_MAX = 200_000;

export const enrolmentChange = z.object({
  line: z.number().int().min(1),
  studentNumber: identifier,
  change: z.enum(['ENROLLED', 'LEFT']),
  grade: z.number().int().min(1).max(12),
  classRef: z
    .string()
    .regex(/^[\w.-]{1,20}$/, 'not a class name')
    .refine((v) => !/\d{15}/.test(v), 'a class name may not carry a resident identity number'),
  on: z.iso.date(),
});
export type EnrolmentChange = z.infer<typeof enrolmentChange>;

export const enrolmentChangesData = z.object({
  batchId: z.uuid(),
  batch: z.number().int().min(1),
  changes: z.array(enrolmentChange).min(1).max(ENROLMENT_BATCH_SIZE),
  /** A JWE sealed to the hub: a JSON array with each change's resident identity number, in order ("" for LEFT). */
  identities: z.string().min(1).max(ENROLMENT_IDENTITIES_MAX),
});
export type EnrolmentChangesData = z.infer<typeof enrolmentChangesData>;

/** What the envelope holds once opened: checked before any number is used. */
export const enrolmentIdentities = z.array(z.string().max(32)).max(ENROLMENT_BATCH_SIZE);

export const enrolmentAppliedData = z.object({
  batchId: z.uuid(),
  batch: z.number().int().min(1),
  enrolled: z.array(z.object({ line: z.number().int().min(1), studentNumber: identifier, pseudonym: identifier })).max(ENROLMENT_BATCH_SIZE),
  /** Lines held until the school the child is enrolled at releases them (no pseudonym until then). */
  pending: z.array(z.object({ line: z.number().int().min(1), studentNumber: identifier })).max(ENROLMENT_BATCH_SIZE),
  left: z.number().int().min(0),
  unchanged: z.number().int().min(0),
  /** Each refused line with its machine code (core/validation/rejected-line.ts) and its reason. */
  rejected: z.array(rejectedLine).max(ENROLMENT_BATCH_SIZE),
});
/** As the hub emits it: every refused line carries its code. */
export type EnrolmentAppliedData = z.infer<typeof enrolmentAppliedData>;
/** As a connector parses it (the bus registry's schema): an event from a hub that predates codes has lines without one. */
export const enrolmentAppliedReceived = enrolmentAppliedData.extend({ rejected: z.array(receivedRejectedLine).max(ENROLMENT_BATCH_SIZE) });
export type EnrolmentAppliedReceived = z.infer<typeof enrolmentAppliedReceived>;

export const enrolmentTransferRequestedData = z.object({
  pseudonym: identifier,
  /** The old school's own student number for the child. */
  studentNumber: identifier,
  toSchoolAgencyId: identifier,
  on: z.iso.date(),
});
export type EnrolmentTransferRequestedData = z.infer<typeof enrolmentTransferRequestedData>;

export const enrolmentTransferCompletedData = z.object({ pseudonym: identifier, studentNumber: identifier, since: z.iso.date() });
export type EnrolmentTransferCompletedData = z.infer<typeof enrolmentTransferCompletedData>;

export const ENROLMENT_EVENT_SCHEMAS = {
  [ENROLMENT_EVENT_TYPES.changes]: enrolmentChangesData,
  [ENROLMENT_EVENT_TYPES.applied]: enrolmentAppliedReceived,
  [ENROLMENT_EVENT_TYPES.transferRequested]: enrolmentTransferRequestedData,
  [ENROLMENT_EVENT_TYPES.transferCompleted]: enrolmentTransferCompletedData,
} as const;
