import type { DataCipher } from '../crypto/data-cipher.js';

/** True for a value sealed with the data keys (`enc:v1:...`); anything else in a sealed column predates them. */
export const isSealed = (text: string) => text.startsWith('enc:v1:');

/**
 * Reads and writes one encrypted text column. Rows written before encryption at rest existed are plain; they are
 * still read (so an upgrade loses nothing) and age out with retention.
 */
export function sealedColumn(cipher: DataCipher, purpose: string) {
  return {
    seal: (value: string | null): string | null => (value === null ? null : cipher.seal(value, purpose)),
    open: (stored: unknown): string | null => {
      if (stored === null || stored === undefined) return null;
      const text = typeof stored === 'string' ? stored : JSON.stringify(stored);
      return isSealed(text) ? cipher.open(text, purpose) : text;
    },
  };
}

/** A sealed column holding JSON; dates travel as ISO strings and are revived by the caller's `revive`. */
export function sealedJsonColumn<T>(cipher: DataCipher, purpose: string, revive: (raw: Record<string, unknown>) => T) {
  const column = sealedColumn(cipher, purpose);
  return {
    seal: (value: T | null): string | null => (value === null ? null : column.seal(JSON.stringify(value))),
    open: (stored: unknown): T | null => {
      const text = column.open(stored);
      return text === null ? null : revive(JSON.parse(text) as Record<string, unknown>);
    },
  };
}
