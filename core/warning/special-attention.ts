import { z } from 'zod';
import { safeText } from '../safe-text.js';

/** One special-attention kind a district tracks: a slug entries are tagged with, and its label. */
export interface SpecialAttentionKind {
  code: string;
  label: string;
}

export const specialAttentionCode = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a kind is a lower-case slug of at most 40 characters');

export const specialAttentionKindsInput = z
  .array(z.object({ code: specialAttentionCode, label: safeText({ max: 100, what: 'label' }) }).strict())
  .max(40)
  .refine((kinds) => new Set(kinds.map((k) => k.code)).size === kinds.length, { message: 'a kind is listed twice' });
