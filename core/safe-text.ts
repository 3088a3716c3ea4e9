import { z } from 'zod';

/**
 * C0 controls other than tab and line breaks, DEL, and C1 controls: invisible, and NUL breaks PostgreSQL text.
 * Bidirectional embeddings, overrides and isolates: they make a note read differently from what it says.
 * A lone surrogate is not text at all: it cannot be encoded as UTF-8, so the bus would carry a different string
 * from the one that was signed, and the event would be refused downstream while the hub believed it sent.
 */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

export function isSafeText(value: string): boolean {
  return value.isWellFormed() && !FORBIDDEN_CONTROLS.test(value);
}

/** Free text typed by a person: trimmed, bounded, and refused at the door when it is not clean Unicode text. */
export function safeText(options: { max: number; min?: number; what?: string }) {
  return z
    .string()
    .refine(isSafeText, { message: `${options.what ?? 'text'} contains control characters or malformed Unicode` })
    .transform((v) => v.trim())
    .pipe(
      z
        .string()
        .min(options.min ?? 1, `${options.what ?? 'text'} is empty`)
        .max(options.max),
    );
}

/**
 * An identifier typed or sent by a client: letters, digits and a few separators, nothing that could be text. Never
 * a run of 15 or more digits: that is what a resident identity number (15 or 18 characters) looks like, and a
 * student number or police record id must not smuggle one past the identity linkage into the store and the logs.
 */
export const identifier = z
  .string()
  .regex(/^[\w.:-]{1,100}$/, 'not a valid identifier')
  .refine((v) => !/\d{15}/.test(v), 'an identifier may not carry a resident identity number (15 or more digits in a row)');
