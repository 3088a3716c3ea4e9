import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../core/clock.js';
import { errorCode, gql, subscribeSse, tokenFor, eventually } from '../support/hub-client.js';
import { createTestHub } from '../support/test-hub.js';
import { referralInput } from '../support/referral-fixtures.js';

type TestHub = Awaited<ReturnType<typeof createTestHub>>;
const SCHOOL = 'school-east';
const STUDENT = 'subj-7k2m9q';
const HOSPITAL = 'hospital-kangning';
const CANARY = 'CANARY-PHQ9-24-suicidal-ideation';

const post = (t: TestHub, body: BodyInit, headers: Record<string, string> = {}) =>
  Promise.resolve(t.hub.fetch(new Request('http://hub/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })));

describe('the GraphQL door', () => {
  let t: TestHub;
  let teacher: string;
  beforeAll(async () => {
    t = await createTestHub({ development: false, seed: true, corsOrigins: ['https://console.careloop.example'], bodyLimitBytes: 50_000 });
    teacher = await tokenFor(t.hub.keyRing, SCHOOL, 'psychology-teacher');
  });
  afterAll(() => t.hub.stop());

  it('answers a caller without a token 401 before reading the operation, even a malformed one', async () => {
    const response = await post(t, '{"query": "mutation { createReferral(input: {');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('answers a caller without a token 401 without waiting for a body that declares no length and never ends', async () => {
    // A stream that sends a little and stays open: a door that read the body before the token would wait for good.
    const endless = new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(new TextEncoder().encode('{"query": "{ me { userId } }"')) });
    const request = new Request('http://hub/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: endless,
      duplex: 'half',
    } as RequestInit);
    const response = await Promise.race([
      Promise.resolve(t.hub.fetch(request)),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the door waited for the body')), 5_000)),
    ]);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('refuses a body that declares no length with 413 once it runs past the limit', async () => {
    const big = new TextEncoder().encode(JSON.stringify({ query: `{ me { userId } } # ${'x'.repeat(60_000)}` }));
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < big.length; at += 8_192) controller.enqueue(big.subarray(at, at + 8_192));
        controller.close();
      },
    });
    const request = new Request('http://hub/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${teacher}` },
      body: chunked,
      duplex: 'half',
    } as RequestInit);
    const response = await t.hub.fetch(request);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('refuses a body over the limit with 413 before reading it', async () => {
    const big = JSON.stringify({ query: `{ me { userId } } # ${'x'.repeat(60_000)}` });
    const response = await post(t, big, { authorization: `Bearer ${teacher}` });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('refuses 500 aliases with OPERATION_TOO_COMPLEX, auditing the refusal once', async () => {
    const count = async () => Number((await t.hub.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log'))[0]?.n);
    const before = await count();
    const aliases = Array.from({ length: 500 }, (_, i) => `a${i}: referrals { id }`).join(' ');
    const result = await gql(t.hub.fetch, teacher, `{ ${aliases} }`);
    expect(errorCode(result)).toBe('OPERATION_TOO_COMPLEX');
    expect(result.data ?? null).toBeNull();
    await eventually(async () => (await count()) === before + 1, { what: 'one audit line' });
    const [row] = await t.hub.sql.query<{ action: string; reasons: string[]; allowed: boolean }>(
      'SELECT action, reasons, allowed FROM audit_log ORDER BY id DESC LIMIT 1',
    );
    expect(row).toEqual({ action: 'graphql.operation', reasons: ['OPERATION_TOO_COMPLEX'], allowed: false });
  });

  describe('the cost limit counts the page a list may return', () => {
    const CASE_LIST = `items {
      id code state channel subjectId reason createdBy createdAt updatedAt overdue availableActions
      assessment { category assessedAt } guardianNotice { givenAt channel } appointment { start location }
      school { id name type districtId } hospital { id name type }
      timeline { sequence state action at actorUserId actorAgency { id name } }
    } endCursor hasMore`;

    it('answers a full page of 100 with everything a case list shows, whether the size is written out or a variable', async () => {
      expect((await gql(t.hub.fetch, teacher, `{ referrals(first: 100) { ${CASE_LIST} } }`)).errors).toBeUndefined();
      expect((await gql(t.hub.fetch, teacher, `query($n: Int) { referrals(first: $n) { ${CASE_LIST} } }`, { n: 100 })).errors).toBeUndefined();
    });

    it('refuses two such pages in one operation, with the size written out, given as a variable, or left out', async () => {
      for (const [query, variables] of [
        [`{ a: referrals(first: 100) { ${CASE_LIST} } b: referrals(first: 100) { ${CASE_LIST} } }`, {}],
        [`query($n: Int) { a: referrals(first: $n) { ${CASE_LIST} } b: referrals(first: $n) { ${CASE_LIST} } }`, { n: 100 }],
        [`query($n: Int) { a: referrals(first: $n) { ${CASE_LIST} } b: referrals(first: $n) { ${CASE_LIST} } }`, { n: 1 }],
        [`{ a: referrals { ${CASE_LIST} } b: referrals { ${CASE_LIST} } }`, {}],
      ] as const) {
        const result = await gql(t.hub.fetch, teacher, query, variables);
        expect(result.errors?.[0]?.extensions).toEqual({ code: 'OPERATION_TOO_COMPLEX', limit: 'cost' });
      }
    });

    it('counts a variable at its declared default when it has one', async () => {
      const twoSmall = `query($n: Int = 5) { a: referrals(first: $n) { ${CASE_LIST} } b: referrals(first: $n) { ${CASE_LIST} } }`;
      expect((await gql(t.hub.fetch, teacher, twoSmall)).errors).toBeUndefined();
    });
  });

  it('refuses a query nested 2000 deep with a typed error instead of overflowing the stack', async () => {
    const deep = `{ ${'referrals { timeline { '.repeat(1000)}sequence${' } }'.repeat(1000)} }`;
    const result = await gql(t.hub.fetch, teacher, deep);
    expect(errorCode(result)).toBe('OPERATION_TOO_COMPLEX');
  });

  it('answers every query the README shows within the limits', async () => {
    const result = await gql(
      t.hub.fetch,
      teacher,
      '{ me { userId } students { items { id grade localRef } hasMore } referrals { items { id state timeline { state action actorAgency { name } at } } endCursor hasMore } }',
    );
    expect(result.errors).toBeUndefined();
  });

  it('suggests no field names to a caller who guesses', async () => {
    const result = await gql(t.hub.fetch, teacher, '{ referal(id: "x") { id } }');
    expect(errorCode(result)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(result)).not.toMatch(/Did you mean/i);
  });

  it('answers no introspection outside development mode', async () => {
    const result = await gql(t.hub.fetch, teacher, '{ __schema { types { name } } }');
    expect(errorCode(result)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(result)).not.toContain('CreateReferralInput');
  });

  it('serves no GraphiQL outside development mode', async () => {
    const response = await t.hub.fetch(new Request('http://hub/graphql', { headers: { accept: 'text/html' } }));
    expect(response.headers.get('content-type') ?? '').not.toContain('text/html');
  });

  it('gives CORS headers only to listed origins, never with credentials', async () => {
    const preflight = (origin: string) =>
      Promise.resolve(
        t.hub.fetch(
          new Request('http://hub/graphql', {
            method: 'OPTIONS',
            headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
          }),
        ),
      );
    const evil = await preflight('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const listed = await preflight('https://console.careloop.example');
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://console.careloop.example');
    expect(listed.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('answers a variable of the wrong type BAD_USER_INPUT, and neither the answer nor the log repeats its value', async () => {
    const result = await gql(t.hub.fetch, teacher, 'mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }', {
      i: { ...referralInput({ subjectId: STUDENT, hospitalAgencyId: HOSPITAL, reason: CANARY }), channel: `yes ${CANARY}` },
    });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(result)).not.toContain(CANARY);
    expect(t.logs()).not.toContain(CANARY);
  });

  it('refuses text with a NUL, a control character or a lone surrogate as BAD_USER_INPUT and writes nothing', async () => {
    for (const reason of [`bad\u0000${CANARY}`, `bad\u001b[31m${CANARY}`, `bad \ud800 ${CANARY}`]) {
      const result = await gql(t.hub.fetch, teacher, 'mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }', {
        i: referralInput({ subjectId: STUDENT, hospitalAgencyId: HOSPITAL, reason }),
      });
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.extensions?.field).toBe('reason');
    }
    expect((await t.hub.sql.query('SELECT id FROM referrals')).length).toBe(0);
    expect(t.logs()).not.toContain(CANARY);
  });

  it('ends an open subscription with UNAUTHENTICATED when its token expires', async () => {
    const created = await gql<{ createReferral: { id: string } }>(
      t.hub.fetch,
      teacher,
      'mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }',
      {
        i: referralInput({ subjectId: STUDENT, hospitalAgencyId: HOSPITAL, reason: 'Withdrawn, sleeping badly.' }),
      },
    );
    const shortLived = await tokenFor(t.hub.keyRing, SCHOOL, 'psychology-teacher', { ttlSeconds: 2 });
    const watch = await subscribeSse(t.hub.fetch, shortLived, 'subscription($id: ID!) { referralStatusChanged(id: $id) { state declineReason } }', {
      id: created.data!.createReferral.id,
    });
    await eventually(async () => watch.events.length >= 1, { what: 'the first push' });
    const ended = await eventually(async () => watch.events.find((e) => JSON.stringify(e).includes('UNAUTHENTICATED')), {
      timeoutMs: 10_000,
      what: 'the expiry',
    });
    expect(ended).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
    await watch.close();
  });
});

describe('the GraphQL door in development mode', () => {
  it('serves GraphiQL from its own bundle, not from a CDN, and answers introspection', async () => {
    const t = await createTestHub({ development: true, clock: createManualClock(new Date()) });
    try {
      const page = await t.hub.fetch(new Request('http://hub/graphql', { headers: { accept: 'text/html' } }));
      const html = await page.text();
      expect(page.status).toBe(200);
      expect(html).toContain('<html');
      expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs/);
      const teacher = await tokenFor(t.hub.keyRing, SCHOOL, 'psychology-teacher');
      const result = await gql<{ __schema: { queryType: { name: string } } }>(t.hub.fetch, teacher, '{ __schema { queryType { name } } }');
      expect(result.data?.__schema.queryType.name).toBe('Query');
    } finally {
      await t.hub.stop();
    }
  });
});
