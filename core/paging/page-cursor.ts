import { z } from 'zod';
import { BadUserInputError } from '../errors.js';

/** Lists answer in pages; a client asks for at most this many items at once. */
export const MAX_PAGE_SIZE = 100;

/** The paging arguments every list takes: how many, and the cursor to continue after. */
export const pageArgs = {
  first: z.number().int().min(1).max(MAX_PAGE_SIZE).optional().nullable(),
  after: z.string().max(200).optional().nullable(),
};

/** One page of a list as a caller is shown it. */
export interface Page<T> {
  items: T[];
  /** Names only an item the caller may be shown: a list reads nothing else (README "Concealment"). */
  endCursor: string | null;
  hasMore: boolean;
}

/** What a list answers a caller it shows nothing: the same as an empty list. */
export const EMPTY_PAGE = { items: [], endCursor: null, hasMore: false } as const satisfies Page<never>;

/** A page position: the sort instant and id of the last item seen. */
export interface PageCursor {
  at: Date;
  id: string;
}

/** Opaque to clients: the position after which the next page starts. */
export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.at.toISOString(), cursor.id])).toString('base64url');
}

/** The position a cursor this hub gave out names; BAD_USER_INPUT on anything else. */
export function decodeCursor(cursor: string): PageCursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const instant = new Date(at);
    if (typeof id !== 'string' || Number.isNaN(instant.getTime())) throw new Error('bad cursor');
    return { at: instant, id };
  } catch {
    throw new BadUserInputError('The cursor is not one this hub gave out.', { field: 'after' });
  }
}

/** For lists ordered by id alone: the last id seen, opaque to clients like the (instant, id) cursor. */
export function encodeIdCursor(id: string): string {
  return Buffer.from(JSON.stringify([id])).toString('base64url');
}

export function decodeIdCursor(cursor: string): string {
  try {
    const [id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown];
    if (typeof id !== 'string') throw new Error('bad cursor');
    return id;
  } catch {
    throw new BadUserInputError('The cursor is not one this hub gave out.', { field: 'after' });
  }
}
