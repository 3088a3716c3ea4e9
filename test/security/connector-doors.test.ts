import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from '../support/hub-client.js';
import { inventedResidentId } from '../support/resident-ids.js';
import { createTestHub } from '../support/test-hub.js';

type TestHub = Awaited<ReturnType<typeof createTestHub>>;
const POLICE = 'police-haishu';
const SCHOOL = 'school-east';
const IMPORT_LIMIT_BYTES = 64 * 1024;

/**
 * The connector doors added for bulk work, tried as an attacker would: the police system's batch of signals
 * (`POST /v1/signals/batch`, JSON, up to 4 MB) and the school system's census import (`POST /imports/screenings`, CSV,
 * streamed). Each is tried without a credential, with another agency's, with a person's token, with the content
 * types a browser sends cross-site without a preflight, and with hostile bodies. None of them may do anything, answer
 * a 5xx, answer without an error code, or let a resident identity number into the answer or a log line.
 */
describe('the bulk connector doors', () => {
  let t: TestHub;
  const numbers: string[] = [];
  const residentId = () => {
    const n = inventedResidentId();
    numbers.push(n);
    return n;
  };
  const signal = (overrides: Record<string, unknown> = {}) => ({
    sourceId: `SEC-${numbers.length}`,
    category: 'ONLINE_SELF_HARM_RISK',
    severity: 'HIGH',
    observedAt: new Date(Date.now() - 3600_000).toISOString(),
    officer: 'PC-0417',
    child: { residentId: residentId(), localId: 'HZ-1' },
    ...overrides,
  });
  const census = 'student_number,scale,score,taken_on,assessor\nE-1,PHQ-9,5,2026-09-15,t1\n';
  const doors = [
    { agency: POLICE, path: '/v1/signals/batch', type: 'application/json', body: () => JSON.stringify({ signals: [signal()] }) },
    { agency: SCHOOL, path: '/imports/screenings', type: 'text/csv', body: () => census },
  ] as const;
  const post = (agency: string, path: string, body: BodyInit, type: string | null, key?: string | null, headers: Record<string, string> = {}) =>
    t.connector(
      agency,
      path,
      { method: 'POST', body, headers: { ...(type ? { 'content-type': type } : {}), ...headers }, duplex: 'half' } as RequestInit,
      // An empty key sends no Authorization header at all.
      key === null ? '' : key,
    );
  /** What either door could have done: a signal stored, a result stored, an event sent to the hub. */
  const traces = async () =>
    Number(
      (
        await t.hub.sql.query<{ n: number }>(
          `SELECT (SELECT count(*) FROM signals) + (SELECT count(*) FROM screening_results) + (SELECT count(*) FROM processed_events)::int AS n`,
        )
      )[0]?.n,
    );
  /** Every refusal: below 500, JSON with a stable code, nothing echoed. */
  const expectRefused = async (response: Response, status: number, code: string) => {
    expect(response.status).toBe(status);
    const text = await response.text();
    expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe(code);
    for (const n of numbers) expect(text).not.toContain(n);
  };

  beforeAll(async () => {
    t = await createTestHub({ seed: true, importLimitBytes: IMPORT_LIMIT_BYTES });
  });
  afterAll(async () => {
    // No number tried at either door ever reached a log line.
    const logs = t.logs();
    for (const n of numbers) expect(logs).not.toContain(n);
    await t.hub.stop();
  });

  it("refuses each door without a credential, with another agency's key and with a person's token, doing nothing", async () => {
    const before = await traces();
    for (const door of doors) {
      await expectRefused(await post(door.agency, door.path, door.body(), door.type, null), 401, 'UNAUTHENTICATED');
      for (const other of [POLICE, SCHOOL, 'school-west', 'hospital-kangning'].filter((a) => a !== door.agency))
        await expectRefused(await post(door.agency, door.path, door.body(), door.type, t.connectorKeys.get(other)), 401, 'UNAUTHENTICATED');
      const person = await tokenFor(t.hub.keyRing, door.agency, door.agency === POLICE ? 'police-liaison' : 'psychology-teacher');
      await expectRefused(await post(door.agency, door.path, door.body(), door.type, person), 401, 'UNAUTHENTICATED');
      await expectRefused(await post(door.agency, door.path, door.body(), door.type, 'Basic cG9saWNlOmhhaXNodQ=='), 401, 'UNAUTHENTICATED');
    }
    expect(await traces()).toBe(before);
  });

  it('reads not a byte of a body sent without a credential or with the wrong type, even a chunked one of 4 MB', async () => {
    const doorsToTry = [
      { agency: POLICE, path: '/v1/signals/batch', type: 'application/json' },
      { agency: 'hospital-kangning', path: '/fhir/Task/x', type: 'application/fhir+json' },
      { agency: SCHOOL, path: '/imports/screenings', type: 'text/csv' },
    ];
    for (const door of doorsToTry)
      for (const [key, type, status] of [
        [null, door.type, 401],
        [t.connectorKeys.get(door.agency === POLICE ? SCHOOL : POLICE), door.type, 401],
        [undefined, 'text/plain', 415],
      ] as const) {
        let pulled = 0;
        const body = new ReadableStream<Uint8Array>(
          {
            pull(controller) {
              if (++pulled > 64) return controller.close();
              controller.enqueue(new Uint8Array(64 * 1024).fill(123));
            },
          },
          { highWaterMark: 0 },
        );
        const response = await post(door.agency, door.path, body, type, key);
        expect(response.status, `${door.path} ${status}`).toBe(status);
        expect(pulled, `${door.path} ${status}`).toBeLessThanOrEqual(1);
      }
  });

  it('refuses the content types a browser sends cross-site without a preflight, and a missing one, before reading', async () => {
    const before = await traces();
    for (const door of doors)
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', null])
        await expectRefused(await post(door.agency, door.path, door.body(), type), 415, 'UNSUPPORTED_MEDIA_TYPE');
    // Each door takes only its own type: JSON at the import, CSV at the batch.
    await expectRefused(await post(POLICE, '/v1/signals/batch', census, 'text/csv'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectRefused(await post(SCHOOL, '/imports/screenings', doors[0].body(), 'application/json'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(await traces()).toBe(before);
  });

  it('answers hostile batches with a coded 4xx, never echoing a number, and keeps only signals that are whole', async () => {
    const before = await traces();
    const hostile: Array<[string, BodyInit]> = [
      ['not JSON', '{"signals": [{"sourceId": '],
      ['a list at the top', JSON.stringify([signal()])],
      ['signals not a list', JSON.stringify({ signals: residentId() })],
      ['no signals', JSON.stringify({ signals: [] })],
      ['501 signals', JSON.stringify({ signals: Array.from({ length: 501 }, () => signal()) })],
      ['nesting 5,000 deep', `{"signals": [${'['.repeat(5000)}${']'.repeat(5000)}]}`],
      ['binary', new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256))],
    ];
    for (const [what, body] of hostile) {
      const response = await post(POLICE, '/v1/signals/batch', body, 'application/json');
      expect(response.status, what).toBeLessThan(500);
      const text = await response.text();
      // A body that is not a batch is refused whole with a code; a batch of lines none of which is a signal is
      // answered line by line, with nothing accepted.
      const answer = JSON.parse(text) as { error?: { code?: string }; accepted?: number; rejected?: unknown[] };
      if (response.status === 202) expect(answer, what).toMatchObject({ accepted: 0, rejected: [{ line: 1 }] });
      else expect(answer.error?.code, what).toMatch(/^[A-Z_]+$/);
      for (const n of numbers) expect(text, what).not.toContain(n);
    }
    expect(await traces()).toBe(before);
    // Keys that would pollute an object's prototype stay data: nothing gains them, and the batch is taken as sent.
    const polluted = await post(
      POLICE,
      '/v1/signals/batch',
      `{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}, "signals": [${JSON.stringify({ ...signal(), __proto__: { severity: 'LOW' } })}]}`,
      'application/json',
    );
    expect(polluted.status).toBe(202);
    expect(JSON.parse(await polluted.text())).toMatchObject({ accepted: 1, rejected: [] });
    expect((Object.prototype as Record<string, unknown>).admin).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).x).toBeUndefined();
    // Lines that are not signals are answered by line and field, without their values, and nothing of them is sent.
    const planted = residentId();
    const mixed = await post(
      POLICE,
      '/v1/signals/batch',
      JSON.stringify({
        signals: [
          { ...signal(), child: { residentId: `${planted}\u0000`, localId: 'HZ-1' } },
          { ...signal(), note: 'x'.repeat(3000) },
          { ...signal(), officer: planted },
          'not a signal',
          signal(),
          { ...signal(), child: { residentId: '1'.repeat(40), localId: 'HZ-1' } },
          { ...signal(), child: { localId: 'HZ-1' } },
        ],
      }),
      'application/json',
    );
    expect(mixed.status).toBe(202);
    const answer = await mixed.text();
    expect(JSON.parse(answer)).toMatchObject({
      accepted: 1,
      rejected: [
        { line: 1, field: 'child.residentId', code: 'RESIDENT_ID_INVALID' },
        { line: 2, field: 'note', code: 'TOO_LONG' },
        // A resident identity number put where an identifier goes is refused, not carried.
        { line: 3, field: 'officer', code: 'INVALID_VALUE' },
        { line: 4, field: '', code: 'INVALID_VALUE' },
        { line: 6, field: 'child.residentId', code: 'RESIDENT_ID_INVALID' },
        { line: 7, field: 'child.residentId', code: 'REQUIRED' },
      ],
    });
    expect(answer).not.toContain(planted.slice(0, 17));
  });

  it('refuses a batch body over 4 MB with 413, declared or not', async () => {
    const over = JSON.stringify({ signals: [signal({ note: 'x'.repeat(4 * 1024 * 1024) })] });
    await expectRefused(await post(POLICE, '/v1/signals/batch', over, 'application/json'), 413, 'PAYLOAD_TOO_LARGE');
    const declared = await post(POLICE, '/v1/signals/batch', over, 'application/json', undefined, { 'content-length': String(over.length) });
    await expectRefused(declared, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('refuses an import that declares more than the limit before reading a byte, and one that streams past it part-way', async () => {
    let pulled = 0;
    const endless = () =>
      new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            pulled++;
            controller.enqueue(new TextEncoder().encode(pulled === 1 ? census : 'E-1,PHQ-9,5,2026-09-15,t1\n'.repeat(200)));
          },
        },
        { highWaterMark: 0 },
      );
    const declared = await post(SCHOOL, '/imports/screenings', endless(), 'text/csv', undefined, { 'content-length': String(IMPORT_LIMIT_BYTES + 1) });
    await expectRefused(declared, 413, 'PAYLOAD_TOO_LARGE');
    expect(pulled).toBe(0);
    const streamed = await post(SCHOOL, '/imports/screenings', endless(), 'text/csv');
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: { code: string; importId: string } }).error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      importId: expect.any(String) as string,
    });
    // It stopped reading at the limit, not at the end of a body that never ends.
    expect(pulled).toBeLessThan(IMPORT_LIMIT_BYTES / 5000 + 5);
  });

  it('answers hostile census files with a coded 4xx or per-line refusals, never a 5xx, never storing a result', async () => {
    const before = Number((await t.hub.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM screening_results'))[0]?.n);
    const number = residentId();
    const hostile: Array<[string, BodyInit]> = [
      ['binary', new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256))],
      ['invalid UTF-8', new Uint8Array([...Buffer.from('student_number,scale,score,taken_on,assessor\n'), 0xff, 0xfe, 0x2c, 0x0a])],
      ['a header of ten thousand columns', Array.from({ length: 10_000 }, (_, i) => `c${i}`).join(',')],
      ['a line over 4 KB', `student_number,scale,score,taken_on,assessor\n${'E'.repeat(5000)},PHQ-9,5,2026-09-15,t1\n`],
      ['a quote left open', 'student_number,scale,score,taken_on,assessor\n"E-1,PHQ-9,5,2026-09-15,t1\nE-2,PHQ-9,5,2026-09-15,t1\n'],
      ['a resident number in its column', `student_number,resident_id,scale,score,taken_on,assessor\nE-1,${number},PHQ-9,5,2026-09-15,t1\n`],
      ['a formula and a NUL', 'student_number,scale,score,taken_on,assessor\n=HYPERLINK("x"),PHQ-9,5,2026-09-15,t1\u0000\n'],
    ];
    for (const [what, body] of hostile) {
      const response = await post(SCHOOL, '/imports/screenings', body, 'text/csv');
      expect(response.status, what).toBeLessThan(500);
      const text = await response.text();
      const answer = JSON.parse(text) as { error?: { code: string }; accepted?: number };
      expect(answer.error?.code === 'BAD_USER_INPUT' || answer.accepted === 0, what).toBe(true);
      for (const n of numbers) expect(text, what).not.toContain(n);
    }
    // Nothing hostile reached a student's record (the hub applies whatever batches were sent before answering).
    await new Promise((r) => setTimeout(r, 300));
    expect(Number((await t.hub.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM screening_results'))[0]?.n)).toBe(before);
  });
});
