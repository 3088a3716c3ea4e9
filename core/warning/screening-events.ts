import { z } from 'zod';
import { identifier } from '../safe-text.js';
import { receivedRejectedLine, rejectedLine } from '../validation/rejected-line.js';
import { SCREENING_SCALE_NAMES, SCREENING_SCALES } from './screening-scales.js';

/** Events of the screening import (README "Screening import"). */
export const SCREENING_EVENT_TYPES = {
  /** School → hub: one batch of validated rows of a census file, signed by the school. */
  results: 'org.careloop.screening.results.v1',
  /** Hub → school: what the hub did with one batch: rows applied, rows already on record, rows it could not place. */
  batchApplied: 'org.careloop.screening.batch-applied.v1',
} as const;

/**
 * Rows per batch event. Each batch costs the hub a fixed dozen statements (bus, claim, audit, report) besides its
 * rows, so batches are as large as a broker message allows: a 50,000-row census is 25 events.
 */
export const SCREENING_BATCH_SIZE = 2000;

/**
 * A batch also closes once its rows' JSON reaches this size, so that the signed event (its payload base64url-encoded
 * in a JWS, plus headers) stays well under a broker's default 1 MB message limit even when every identifier is as
 * long as allowed (about 420 bytes a row; a census row is usually near 100, and fills the 2,000 first).
 */
export const SCREENING_BATCH_BYTES = 512 * 1024;

const calendarDate = z.iso.date();

export const screeningRowData = z
  .object({
    /** The row's line in the file, so that whatever the hub refuses can be found again. */
    line: z.number().int().min(2),
    studentNumber: identifier,
    pseudonym: identifier.optional(),
    scale: z.enum(SCREENING_SCALE_NAMES),
    score: z.number().finite(),
    takenOn: calendarDate,
    assessor: identifier,
  })
  .refine((row) => row.score >= SCREENING_SCALES[row.scale].min && row.score <= SCREENING_SCALES[row.scale].max, {
    message: "the score is outside the scale's range",
    path: ['score'],
  });
export type ScreeningRowData = z.infer<typeof screeningRowData>;

export const screeningResultsData = z.object({
  importId: z.uuid(),
  batch: z.number().int().min(1),
  rows: z.array(screeningRowData).min(1).max(SCREENING_BATCH_SIZE),
});
export type ScreeningResultsData = z.infer<typeof screeningResultsData>;

export const screeningBatchAppliedData = z.object({
  importId: z.uuid(),
  batch: z.number().int().min(1),
  applied: z.number().int().min(0),
  unchanged: z.number().int().min(0),
  /** Each refused row with its machine code (core/validation/rejected-line.ts) and its reason. */
  rejected: z.array(rejectedLine).max(SCREENING_BATCH_SIZE),
});
/** As the hub emits it: every refused row carries its code. */
export type ScreeningBatchAppliedData = z.infer<typeof screeningBatchAppliedData>;
/** As a connector parses it (the bus registry's schema): an event from a hub that predates codes has rows without one. */
export const screeningBatchAppliedReceived = screeningBatchAppliedData.extend({ rejected: z.array(receivedRejectedLine).max(SCREENING_BATCH_SIZE) });
export type ScreeningBatchAppliedReceived = z.infer<typeof screeningBatchAppliedReceived>;

export const SCREENING_EVENT_SCHEMAS = {
  [SCREENING_EVENT_TYPES.results]: screeningResultsData,
  [SCREENING_EVENT_TYPES.batchApplied]: screeningBatchAppliedReceived,
} as const;
