import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ERROR_CODES, httpErrorBody } from '../../core/errors.js';

/** The answer to a body over a door's limit, the same at every door. */
export const payloadTooLarge = (c: Context) => c.json(httpErrorBody('PAYLOAD_TOO_LARGE'), ERROR_CODES.PAYLOAD_TOO_LARGE.status);

/** Oversized bodies are refused by length before they are read into memory (413, same shape as other errors). */
export function limitBody(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: payloadTooLarge,
  });
}
