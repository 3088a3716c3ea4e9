/** Reading column values the same way in every SQL store: PGlite and node-postgres return dates as Date or text. */
export const asDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
export const optDate = (v: unknown): Date | null => (v === null || v === undefined ? null : asDate(v));
export const optText = (v: unknown): string | null => (typeof v === 'string' ? v : null);
