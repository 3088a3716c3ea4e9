import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedEventBus } from '../../adapters/bus/embedded-event-bus.js';
import { loadOrCreateKeyRing, type KeyRing } from '../../adapters/crypto/key-ring.js';
import { createStaticDirectory } from '../../adapters/crypto/static-directory.js';
import { createLogger } from '../../adapters/logging/create-logger.js';
import { createSignedEvent } from '../../adapters/messaging/signed-event.js';
import type { DeadLetter } from '../../adapters/messaging/verified-handler.js';
import { migrate } from '../../adapters/store/migrate.js';
import { createPgliteClient } from '../../adapters/store/pglite-client.js';
import { createSqlConnectorInbox } from '../../adapters/store/sql-connector-inbox.js';
import type { SqlClient } from '../../adapters/store/sql-client.js';
import { createManualClock } from '../../core/clock.js';
import { connectorAudience, mintAgencyToken } from '../../adapters/crypto/agency-token.js';
import { createEphemeralDataCipher } from '../../adapters/crypto/data-cipher.js';
import { createSqlRefusedEvents } from '../../adapters/store/sql-refused-events.js';
import { loadOrCreateConnectorApiKey } from './connector-api-keys.js';
import { HUB_AGENCY_ID, SEED_AGENCIES } from '../../core/development-seed.js';
import { REFERRAL_EVENT_TYPES } from '../../core/referral/referral-events.js';
import { SIGNAL_EVENT_TYPES } from '../../core/signal/signal-events.js';
import { agencyTopic, TOPICS } from '../../core/messages/topics.js';
import type { EventBus } from '../../core/ports/event-bus.js';
import { createSchoolConnector } from '../school/school-connector.js';
import type { Connector } from './create-connector.js';

const SCHOOL = 'school-east';

async function until<T>(probe: () => Promise<T | undefined | null | false>): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out');
}

describe('a connector', () => {
  let sql: SqlClient;
  let bus: EventBus;
  let keyRing: KeyRing;
  let connector: Connector;
  const logLines: string[] = [];
  const letters: DeadLetter[] = [];
  const changed = (referralId: string) => ({
    referralId,
    state: 'SCHEDULED',
    previousState: 'ACCEPTED',
    action: 'SCHEDULE',
    changedAt: new Date().toISOString(),
    changedByAgencyId: 'hospital-kangning',
    appointment: { start: '2026-11-25T09:00:00+08:00', location: 'Confidential clinic room' },
  });
  let apiKey = '';
  const clock = createManualClock(new Date());
  const authorized = (init: RequestInit = {}) => ({ ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${apiKey}` } });
  const call = (path: string, init?: RequestInit) => connector.app.fetch(new Request(`http://c${path}`, authorized(init)));
  const inbox = async () =>
    (await (await call('/v1/inbox')).json()) as { items: Array<{ id: string; kind: string; payload: Record<string, unknown>; correlationId: string | null }> };
  const hubEvent = async (referralId: string, options: { recipient?: string; time?: Date; correlationId?: string; id?: string } = {}) =>
    createSignedEvent({
      signer: await keyRing.signer(HUB_AGENCY_ID),
      type: REFERRAL_EVENT_TYPES.statusChanged,
      subject: referralId,
      recipient: options.recipient ?? SCHOOL,
      data: changed(referralId),
      time: options.time ?? clock.now(),
      correlationId: options.correlationId,
      id: options.id,
    });

  beforeAll(async () => {
    sql = await createPgliteClient();
    await migrate(sql, 'bus');
    await migrate(sql, 'connector');
    await migrate(sql, 'events');
    const cipher = createEphemeralDataCipher();
    bus = createEmbeddedEventBus({ client: sql, cipher, redeliveryDelayMs: 10 });
    keyRing = await loadOrCreateKeyRing({ agencies: SEED_AGENCIES });
    const destination = new Writable({ write: (c, _e, done) => (logLines.push(String(c)), done()) });
    connector = createSchoolConnector({
      agencyId: SCHOOL,
      signer: await keyRing.signer(SCHOOL),
      bus,
      directory: createStaticDirectory(keyRing.directory()),
      inbox: createSqlConnectorInbox(sql, SCHOOL, cipher),
      refusals: createSqlRefusedEvents(sql),
      apiKeys: await loadOrCreateConnectorApiKey({ agencyId: SCHOOL, onCreated: (_, key) => (apiKey = key) }),
      clock,
      logger: createLogger({ name: 'connector-test', destination }),
      throttle: { failures: 5, windowSeconds: 60, blockSeconds: 60 },
      bodyLimitBytes: 10_000,
    });
    await connector.start();
    await bus.subscribe({ groupId: 'test-dlq', topics: [TOPICS.deadLetter], handler: async (m) => void letters.push(JSON.parse(m.value) as DeadLetter) });
  });
  afterAll(async () => {
    await connector.stop();
    await bus.close();
    await sql.close();
  });

  it('offers a hub-signed referral to the agency system once, however often it is delivered', async () => {
    const event = await hubEvent('r-1', { correlationId: 'corr-1' });
    await bus.publish(agencyTopic(SCHOOL), [event, event]);
    const items = await until(async () => {
      const all = (await inbox()).items.filter((i) => i.payload.referralId === 'r-1');
      return all.length > 0 && all;
    });
    // The duplicate is handled after the first; a later message proves it has been.
    const marker = await hubEvent('r-2');
    await bus.publish(agencyTopic(SCHOOL), [marker]);
    await until(async () => (await inbox()).items.some((i) => i.payload.referralId === 'r-2'));
    expect((await inbox()).items.filter((i) => i.payload.referralId === 'r-1')).toHaveLength(1);
    expect(items[0]).toMatchObject({
      kind: 'referral-status-changed',
      correlationId: 'corr-1',
      payload: { state: 'SCHEDULED', action: 'SCHEDULE', changedBy: 'hospital-kangning' },
    });
  });

  it('offers each notice of a batch as an inbox item of its own, in order, once however often the batch is delivered', async () => {
    const notice = (n: number) => ({
      signalId: `sig-batch-${n}`,
      subjectId: `subj-${n}`,
      category: 'ONLINE_SELF_HARM_RISK',
      severity: 'HIGH',
      episodeId: `ep-${n}`,
      acknowledgeBy: clock.now().toISOString(),
    });
    const batch = await createSignedEvent({
      signer: await keyRing.signer(HUB_AGENCY_ID),
      type: SIGNAL_EVENT_TYPES.notices,
      subject: 'batch-1',
      recipient: SCHOOL,
      data: { notices: Array.from({ length: 12 }, (_, i) => notice(i + 1)) },
      time: clock.now(),
    });
    await bus.publish(agencyTopic(SCHOOL), [batch, batch]);
    const marker = await hubEvent('r-batch-marker');
    await bus.publish(agencyTopic(SCHOOL), [marker]);
    await until(async () => (await inbox()).items.some((i) => i.payload.referralId === 'r-batch-marker'));
    const items = (await inbox()).items.filter((i) => i.kind === 'signal-notice' && String(i.payload.signalId).startsWith('sig-batch-'));
    expect(items.map((i) => i.payload.signalId)).toEqual(Array.from({ length: 12 }, (_, i) => `sig-batch-${i + 1}`));
    expect(items.map((i) => i.id)).toEqual(Array.from({ length: 12 }, (_, i) => `${batch.id}/${String(i + 1).padStart(3, '0')}`));
    expect(items[0]!.payload).toEqual(notice(1));
  });

  it('dead-letters an event on its topic that the hub did not sign', async () => {
    const bySchool = await createSignedEvent({
      signer: await keyRing.signer('hospital-kangning'),
      type: REFERRAL_EVENT_TYPES.statusChanged,
      subject: 'r-3',
      recipient: SCHOOL,
      data: changed('r-3'),
      time: clock.now(),
    });
    await bus.publish(agencyTopic(SCHOOL), [bySchool]);
    const letter = await until(async () => letters.find((l) => l.originalKey === 'r-3'));
    expect(letter).toMatchObject({ reason: 'WRONG_SIGNER', consumer: `connector.${SCHOOL}` });
    expect((await inbox()).items.some((i) => i.payload.referralId === 'r-3')).toBe(false);
  });

  it('dead-letters a hub event addressed to another agency, and remembers its id', async () => {
    const misaddressed = await hubEvent('r-4', { recipient: 'school-west' });
    await bus.publish(agencyTopic(SCHOOL), [misaddressed]);
    const letter = await until(async () => letters.find((l) => l.originalKey === 'r-4'));
    expect(letter.reason).toBe('WRONG_RECIPIENT');
    // The same event again, even re-published: refused by id before anything else is looked at.
    await bus.publish(agencyTopic(SCHOOL), [misaddressed]);
    await until(async () => letters.filter((l) => l.originalKey === 'r-4').length === 2);
    expect(letters.filter((l) => l.originalKey === 'r-4').map((l) => l.reason)).toEqual(['WRONG_RECIPIENT', 'REPLAYED_EVENT']);
    expect((await inbox()).items.some((i) => i.payload.referralId === 'r-4')).toBe(false);
  });

  it('dead-letters a hub event dated outside the freshness window, in the past or the future', async () => {
    await bus.publish(agencyTopic(SCHOOL), [
      await hubEvent('r-5', { time: new Date('2001-01-01T00:00:00Z') }),
      await hubEvent('r-6', { time: new Date(clock.now().getTime() + 3 * 24 * 3600_000) }),
    ]);
    const stale = await until(async () => letters.find((l) => l.originalKey === 'r-5'));
    const future = await until(async () => letters.find((l) => l.originalKey === 'r-6'));
    expect([stale.reason, future.reason]).toEqual(['STALE_EVENT', 'STALE_EVENT']);
    expect((await inbox()).items.some((i) => ['r-5', 'r-6'].includes(String(i.payload.referralId)))).toBe(false);
  });

  it("answers 401 without a credential, with a token for another door and with another agency's credential", async () => {
    const plain = (init?: RequestInit) => connector.app.fetch(new Request('http://c/v1/inbox', init));
    expect((await plain()).status).toBe(401);
    const hubDoorToken = await mintAgencyToken({ signer: await keyRing.signer(SCHOOL), userId: 'x', role: 'psychology-teacher', clock });
    expect((await plain({ headers: { authorization: `Bearer ${hubDoorToken}` } })).status).toBe(401);
    const hospitalSystem = await mintAgencyToken({
      signer: await keyRing.signer('hospital-kangning'),
      userId: 'his',
      role: 'system',
      clock,
      audience: connectorAudience('hospital-kangning'),
    });
    expect((await plain({ headers: { authorization: `Bearer ${hospitalSystem}` } })).status).toBe(401);
    const otherKey = apiKey.replace(SCHOOL, 'hospital-kangning');
    const refused = await plain({ headers: { authorization: `Bearer ${otherKey}` } });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) as string } });
    const ownSystem = await mintAgencyToken({
      signer: await keyRing.signer(SCHOOL),
      userId: 'sis-1',
      role: 'system',
      clock,
      audience: connectorAudience(SCHOOL),
    });
    expect((await plain({ headers: { authorization: `Bearer ${ownSystem}` } })).status).toBe(200);
  });

  it('holds an inbox read with `wait` until an item arrives, and answers at once when it does', async () => {
    const before = (await inbox()).items.map((i) => i.id);
    await call('/v1/inbox/ack', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: before }) });
    const started = performance.now();
    const held = call('/v1/inbox?wait=20');
    await new Promise((r) => setTimeout(r, 100));
    await bus.publish(agencyTopic(SCHOOL), [await hubEvent('r-held')]);
    const body = (await (await held).json()) as { items: Array<{ payload: Record<string, unknown> }> };
    expect(body.items.map((i) => i.payload.referralId)).toEqual(['r-held']);
    expect(performance.now() - started).toBeLessThan(10_000); // answered on arrival, far before the 20 s wait
  });

  it('answers a held read with an empty page when nothing arrives in time', async () => {
    const items = (await inbox()).items.map((i) => i.id);
    await call('/v1/inbox/ack', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ids: items }) });
    const response = await call('/v1/inbox?wait=1');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [] });
  });

  it.each(['abc', '-1', '1.5', '9'.repeat(40)])('refuses wait=%s with a typed 400', async (wait) => {
    const response = await call(`/v1/inbox?wait=${encodeURIComponent(wait)}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'BAD_USER_INPUT' } });
  });

  it('asks for credentials before holding a read', async () => {
    const response = await connector.app.fetch(new Request('http://c/v1/inbox?wait=20'));
    expect(response.status).toBe(401);
  });

  it('refuses a body over the limit with 413, before reading it', async () => {
    const response = await call('/v1/inbox/ack', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids: ['x'.repeat(20_000)] }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('refuses a POST that is not JSON, so a web page cannot submit a form to it', async () => {
    const response = await call('/v1/inbox/ack', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ ids: ['x'] }),
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
  });

  it('throttles a source after repeated failed attempts, without logging what it sent', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++)
      statuses.push((await connector.app.fetch(new Request('http://c/v1/inbox', { headers: { authorization: 'Bearer clk_guess-canary-secret' } }))).status);
    // Five failures a minute per source (earlier tests in this file used some of them): then 429 and only 429.
    const firstRefusal = statuses.indexOf(429);
    expect(firstRefusal).toBeGreaterThan(0);
    expect(statuses.slice(0, firstRefusal).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(firstRefusal).every((s) => s === 429)).toBe(true);
    // Throttled even with the right key, until the block ends: a guesser learns nothing from a late hit.
    expect((await call('/v1/inbox')).status).toBe(429);
    expect(logLines.join('')).not.toContain('guess-canary-secret');
    expect(logLines.join('')).toContain('connector credential refused');
  });

  it('never logs the sensitive text it carries', () => {
    expect(logLines.join('')).not.toContain('Confidential clinic room');
  });
});
