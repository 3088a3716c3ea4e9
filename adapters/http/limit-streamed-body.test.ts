import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { CareloopError } from '../../core/errors.js';
import { limitStreamedBody } from './limit-streamed-body.js';

const LIMIT = 10_000;
const CHUNK = 1_000;

/** A body of `chunks` chunks of 1,000 bytes, produced only as it is read; `pulled` counts what was asked for. */
function lazyBody(chunks: number) {
  const state = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (state.pulled === chunks) return controller.close();
        state.pulled++;
        controller.enqueue(new Uint8Array(CHUNK).fill(97));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

/** An app whose handler reads the body chunk by chunk and answers with what it saw. */
function appReading(onFirstChunk: () => void = () => undefined) {
  const app = new Hono();
  app.use('/in', limitStreamedBody(LIMIT));
  app.post('/in', async (c) => {
    const reader = c.req.raw.body!.getReader();
    let bytes = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (bytes === 0) onFirstChunk();
        bytes += value.byteLength;
      }
      return c.json({ bytes });
    } catch (error) {
      // A handler that turns the failure into an answer of its own, as an import that keeps its first batches does.
      return c.json({ bytes, failed: error instanceof CareloopError ? error.code : 'other' }, 400);
    }
  });
  return app;
}

const post = (app: Hono, body: BodyInit, headers: Record<string, string> = {}) =>
  app.fetch(new Request('http://x/in', { method: 'POST', body, headers, duplex: 'half' } as RequestInit));

describe('the body limit of a streamed door', () => {
  it('hands a body under the limit to the handler whole', async () => {
    const { stream } = lazyBody(10);
    const response = await post(appReading(), stream);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ bytes: 10 * CHUNK });
  });

  it('lets the handler start on the first chunk before the sender has produced the rest', async () => {
    const { stream, state } = lazyBody(8);
    let pulledAtFirstChunk = -1;
    await post(
      appReading(() => (pulledAtFirstChunk = state.pulled)),
      stream,
    );
    // A limit that read the body whole first would have pulled all 8 chunks before the handler saw one.
    expect(pulledAtFirstChunk).toBeGreaterThan(0);
    expect(pulledAtFirstChunk).toBeLessThan(8);
  });

  it('fails the stream once it passes the limit and answers 413, whatever the handler answered', async () => {
    const { stream, state } = lazyBody(50);
    const response = await post(appReading(), stream);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    // It stopped reading at the limit, not at the end of the body.
    expect(state.pulled).toBeLessThan(15);
  });

  it('hands the handler a PayloadTooLargeError, so that it can say what it kept', async () => {
    const app = new Hono();
    let seen: unknown = null;
    app.use('/in', limitStreamedBody(LIMIT));
    app.post('/in', async (c) => {
      try {
        await c.req.arrayBuffer();
      } catch (error) {
        seen = error;
      }
      return c.json({ kept: 'what it read' }, 413);
    });
    const response = await post(app, lazyBody(50).stream);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ kept: 'what it read' });
    expect(seen).toBeInstanceOf(CareloopError);
    expect((seen as CareloopError).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a declared length over the limit before reading anything', async () => {
    const { stream, state } = lazyBody(50);
    const response = await post(appReading(), stream, { 'content-length': String(50 * CHUNK) });
    expect(response.status).toBe(413);
    expect(state.pulled).toBe(0);
  });

  it('counts the bytes even when the declared length is small', async () => {
    const { stream } = lazyBody(50);
    const response = await post(appReading(), stream, { 'content-length': '10' });
    expect(response.status).toBe(413);
  });
});
