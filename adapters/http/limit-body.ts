import { bodyLimit } from 'hono/body-limit';
import { ERROR_CODES, httpErrorBody } from '../../core/errors.js';

/** Oversized bodies are refused by length before they are read into memory (413, same shape as other errors). */
export function limitBody(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: (c) => c.json(httpErrorBody('PAYLOAD_TOO_LARGE'), ERROR_CODES.PAYLOAD_TOO_LARGE.status),
  });
}
