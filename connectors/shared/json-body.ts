import type { Context } from 'hono';
import type { z } from 'zod';
import { httpErrorBody } from '../../core/errors.js';

/**
 * Reads and validates a JSON request body: the parsed value, or the 400 response to send. The message names the
 * rule and the field, never the value sent (it may be a resident identity number).
 */
export async function readJsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<{ ok: true; value: z.infer<T> } | { ok: false; response: Response }> {
  const raw: unknown = await c.req.json().catch(() => undefined);
  if (raw === undefined) return { ok: false, response: c.json(httpErrorBody('BAD_USER_INPUT', 'The body is not JSON.'), 400) };
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, response: c.json(httpErrorBody('BAD_USER_INPUT', issue?.message ?? 'The body is not valid.', { field: issue?.path.join('.') }), 400) };
}
