import type { z } from 'zod';
import { BadUserInputError } from '../errors.js';

/**
 * Validates what a caller sent against `schema`: the parsed value, or BAD_USER_INPUT naming the first offending
 * field. The message is zod's for that field, which names the rule, not the value sent.
 */
export function parseInput<T extends z.ZodType>(schema: T, raw: unknown, what = 'input'): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new BadUserInputError(issue?.message ?? `invalid ${what}`, { field: issue?.path.join('.') });
}
