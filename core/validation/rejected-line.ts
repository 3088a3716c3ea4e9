import { z } from 'zod';

/**
 * What went wrong with one refused line of a batch (a police export, a school's register changes, a census file),
 * for the agency's system to act on by machine; the line's `reason` stays the text for a person. A code names the
 * rule that failed, never the value: it is a constant of this closed set.
 */
export const REJECTED_LINE_CODES = [
  /** A field the line must have is missing or empty. */
  'REQUIRED',
  /** A field is not of its type, format or set of values, or outside its range. */
  'INVALID_VALUE',
  /** A field is longer than it may be. */
  'TOO_LONG',
  /** A date or time lies ahead of the hub's (or connector's) clock. */
  'IN_THE_FUTURE',
  /** The resident identity number does not check (length, digits, region, birth date, check character). */
  'RESIDENT_ID_INVALID',
  /** A census file's line carries a resident identity number, which the census does not take. */
  'RESIDENT_ID_NOT_ACCEPTED',
  /** The line is not well-formed CSV: a wrong number of fields, a quote left open, a line the parser refused. */
  'MALFORMED_LINE',
  /** Reading of the file stopped before this line: it and the lines after it were not imported. */
  'NOT_READ',
  /** No student with this student number is enrolled at the school. */
  'UNKNOWN_STUDENT',
  /** The student number belongs to another child enrolled at the school. */
  'STUDENT_NUMBER_TAKEN',
  /** The pseudonym sent does not belong to the student with this student number. */
  'PSEUDONYM_MISMATCH',
] as const;

export const rejectedLineCode = z.enum(REJECTED_LINE_CODES);
export type RejectedLineCode = z.infer<typeof rejectedLineCode>;

/** A refused line as the hub reports it in an event: its line, what went wrong and why, never the value. */
export const rejectedLine = z.object({ line: z.number().int().min(1), code: rejectedLineCode, reason: z.string().max(200) });
export type RejectedLine = z.infer<typeof rejectedLine>;

/**
 * The same as a connector parses it from the bus, lenient both ways so that hub and connectors can be upgraded apart:
 * `code` optional, since an event a hub emitted before codes existed has none, and any well-formed code, since a
 * newer hub may name a rule this connector's list does not have yet. Either way the lines reach the inbox rather
 * than the dead-letter topic.
 */
export const receivedRejectedLine = rejectedLine.extend({
  code: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{0,47}$/)
    .optional(),
});

/**
 * The code of a schema's issue with a line's field: REQUIRED when the field is absent or empty (`value` is what the
 * line held there), TOO_LONG for a string over its maximum, INVALID_VALUE otherwise.
 */
export function codeOfIssue(issue: z.core.$ZodIssue | undefined, value: unknown): RejectedLineCode {
  // A line that is not an object at all (a number, a string, null) is not a signal, not one missing field.
  if (issue && issue.path.length === 0) return 'INVALID_VALUE';
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return 'REQUIRED';
  if (issue?.code === 'too_big' && issue.origin === 'string') return 'TOO_LONG';
  return 'INVALID_VALUE';
}

/** The value at a zod issue's path in what was parsed, to tell a missing field from a wrong one. */
export function valueAtPath(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let at: unknown = raw;
  for (const key of path) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}
