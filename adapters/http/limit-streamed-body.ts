import type { MiddlewareHandler } from 'hono';
import { ERROR_CODES, PayloadTooLargeError } from '../../core/errors.js';
import { payloadTooLarge as tooLarge } from './limit-body.js';

/**
 * The body limit of a door that reads its body as a stream (an import), or checks its caller before reading it (the
 * GraphQL door): the bytes are counted as the handler reads them, and the stream fails with PayloadTooLargeError past
 * `maxSize`. hono's bodyLimit reads a body that declares no Content-Length whole into memory before the handler runs
 * (right for small JSON bodies behind a door that checked its caller first, limitBody), which would hold a 32 MB
 * census in memory, keep the handler from starting until the upload ends, and make a caller's credential wait for it. A declared length over
 * the limit is refused before anything is read. The handler answers for what it did with the part it read; if it
 * answers anything but 413, the answer becomes the usual 413.
 */
export function limitStreamedBody(maxSize: number): MiddlewareHandler {
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const declared = c.req.raw.headers.get('content-length');
    if (declared !== null && Number(declared) > maxSize) return tooLarge(c);
    let size = 0;
    let exceeded = false;
    const counted = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          size += chunk.byteLength;
          if (size > maxSize) {
            exceeded = true;
            controller.error(new PayloadTooLargeError());
          } else controller.enqueue(chunk);
        },
      }),
    );
    c.req.raw = new Request(c.req.raw, { body: counted, duplex: 'half' } as RequestInit);
    await next();
    if (exceeded && c.res.status !== ERROR_CODES.PAYLOAD_TOO_LARGE.status) c.res = tooLarge(c);
  };
}
