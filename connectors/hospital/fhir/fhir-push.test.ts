import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, Task } from '@medplum/fhirtypes';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedEventBus } from '../../../adapters/bus/embedded-event-bus.js';
import { createEphemeralDataCipher } from '../../../adapters/crypto/data-cipher.js';
import { loadOrCreateKeyRing, type KeyRing } from '../../../adapters/crypto/key-ring.js';
import { createStaticDirectory } from '../../../adapters/crypto/static-directory.js';
import { createSignedEvent } from '../../../adapters/messaging/signed-event.js';
import { migrate } from '../../../adapters/store/migrate.js';
import { createPgliteClient } from '../../../adapters/store/pglite-client.js';
import { createSqlConnectorInbox } from '../../../adapters/store/sql-connector-inbox.js';
import { createSqlFhirTaskStore } from '../../../adapters/store/sql-fhir-task-store.js';
import { createSqlRefusedEvents } from '../../../adapters/store/sql-refused-events.js';
import { createManualClock } from '../../../core/clock.js';
import { HUB_AGENCY_ID, SEED_AGENCIES } from '../../../core/development-seed.js';
import { agencyTopic } from '../../../core/messages/topics.js';
import { REFERRAL_EVENT_TYPES, type ReferralStatusChangedData } from '../../../core/referral/referral-events.js';
import type { ReferralState } from '../../../core/referral/referral-state-machine.js';
import { loadConfig } from '../../../gateway/config.js';
import { createLogger } from '../../../adapters/logging/create-logger.js';
import { loadOrCreateConnectorApiKey } from '../../shared/connector-api-keys.js';
import { createHospitalConnector } from '../hospital-connector.js';
import { FhirPushConfigError, fhirPushBundle, parseFhirPushTarget, parseFhirPushTargets } from './fhir-push.js';
import { CANARY_REASON, sentReferral } from './fhir-test-data.js';
import { validateFhirR4 } from './fhir-validator.js';
import { referralToFhir } from './referral-to-fhir.js';

const HOSPITAL = 'hospital-kangning';
const SECRET = 'Bearer his-secret-4b1d';

async function until<T>(probe: () => Promise<T | undefined | null | false> | T | undefined | null | false): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out');
}

interface Received {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  bundle: Bundle;
}

const cleanups: Array<() => Promise<void>> = [];

/** The hospital's EHR: a real HTTP server on loopback that records each push and answers from a script; closed after each test. */
async function startEhr() {
  const received: Received[] = [];
  const answers: number[] = [];
  const readBody = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const server: Server = createServer((request, response) => {
    void readBody(request).then((body) => {
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        contentType: request.headers['content-type'],
        bundle: JSON.parse(body) as Bundle,
      });
      response.writeHead(answers.shift() ?? 200, { 'content-type': 'application/fhir+json' }).end('{"resourceType":"Bundle","type":"transaction-response"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${port}/fhir/r4`,
    received,
    answers,
  };
}

type Ehr = Awaited<ReturnType<typeof startEhr>>;
let keyRing: KeyRing | undefined;
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A hospital connector on its own in-memory store and embedded bus, pushing to `ehr` unless `push` is false. */
async function createPushingConnector(ehr: Ehr, options: { push?: boolean; timeoutMs?: number } = {}) {
  keyRing ??= await loadOrCreateKeyRing({ agencies: SEED_AGENCIES });
  const ring = keyRing;
  const sql = await createPgliteClient();
  for (const set of ['bus', 'connector', 'events'] as const) await migrate(sql, set);
  const cipher = createEphemeralDataCipher();
  const bus = createEmbeddedEventBus({ client: sql, cipher, redeliveryDelayMs: 10 });
  const clock = createManualClock(new Date());
  const logLines: string[] = [];
  const store = createSqlFhirTaskStore(sql, HOSPITAL, cipher);
  const connector = createHospitalConnector({
    agencyId: HOSPITAL,
    bus,
    directory: createStaticDirectory(ring.directory()),
    inbox: createSqlConnectorInbox(sql, HOSPITAL, cipher),
    refusals: createSqlRefusedEvents(sql),
    apiKeys: await loadOrCreateConnectorApiKey({ agencyId: HOSPITAL, onCreated: () => undefined }),
    clock,
    logger: createLogger({ name: 'fhir-push-test', level: 'debug', destination: { write: (line: string) => void logLines.push(line) } }),
    signer: await ring.signer(HOSPITAL),
    fhirTasks: store,
    ...(options.push === false ? {} : { fhirPush: { url: ehr.url, authorization: SECRET } }),
    // No timer: the test moves the clock and nudges; the nudge after each event still runs.
    fhirPushSettings: { intervalMs: 0, timeoutMs: options.timeoutMs },
  });
  await connector.start();
  cleanups.push(async () => {
    await connector.stop();
    await bus.close();
    await sql.close();
  });
  const hubSays = async (type: (typeof REFERRAL_EVENT_TYPES)[keyof typeof REFERRAL_EVENT_TYPES], referralId: string, data: object) =>
    bus.publish(agencyTopic(HOSPITAL), [
      await createSignedEvent({ signer: await ring.signer(HUB_AGENCY_ID), type, subject: referralId, recipient: HOSPITAL, data, time: clock.now() }),
    ]);
  const sent = (referralId: string) => hubSays(REFERRAL_EVENT_TYPES.sent, referralId, sentReferral({ referralId, hospitalAgencyId: HOSPITAL }));
  const changed = (referralId: string, previousState: ReferralState, state: ReferralState, action: ReferralStatusChangedData['action']) =>
    hubSays(REFERRAL_EVENT_TYPES.statusChanged, referralId, {
      referralId,
      state,
      previousState,
      action,
      changedAt: clock.now().toISOString(),
      changedByAgencyId: HOSPITAL,
    } satisfies ReferralStatusChangedData);
  const taskStatus = async (referralId: string) => (await store.get(referralId))?.task.status;
  return { connector, pusher: connector.fhirPush, store, clock, logLines, sent, changed, taskStatus };
}

const taskOf = (bundle: Bundle) => bundle.entry?.find((e) => e.resource?.resourceType === 'Task')?.resource as Task;

describe('pushing FHIR Tasks to the hospital', () => {
  it('pushes a referral that arrives as one valid transaction Bundle with the ServiceRequest and the Task', async () => {
    const ehr = await startEhr();
    const t = await createPushingConnector(ehr);
    await t.sent('ref-0101');
    await until(() => ehr.received.length === 1);
    await t.pusher?.idle();

    const [push] = ehr.received;
    expect(push).toMatchObject({ method: 'POST', url: '/fhir/r4', authorization: SECRET, contentType: 'application/fhir+json' });
    const bundle = push?.bundle as Bundle;
    expect(validateFhirR4(bundle)).toMatchObject({ ok: true });
    expect(bundle.type).toBe('transaction');
    expect(bundle.entry?.map((e) => [e.request?.method, e.request?.url, e.fullUrl])).toEqual([
      ['PUT', 'ServiceRequest/ref-0101', `${ehr.url}/ServiceRequest/ref-0101`],
      ['PUT', 'Task/ref-0101', `${ehr.url}/Task/ref-0101`],
    ]);
    expect(bundle.entry?.[0]?.resource).toMatchObject({ resourceType: 'ServiceRequest', id: 'ref-0101' });
    expect(taskOf(bundle)).toMatchObject({ id: 'ref-0101', status: 'requested', focus: { reference: 'ServiceRequest/ref-0101' } });
    expect(await t.store.pendingPushes()).toBe(0);
    expect(await t.pusher?.pending()).toBe(0);
  });

  it('retries with back-off while the endpoint answers 503 and clears the mark once it takes the push', async () => {
    const ehr = await startEhr();
    ehr.answers.push(503, 503, 200);
    const t = await createPushingConnector(ehr);
    await t.sent('ref-0201');
    await until(() => ehr.received.length === 1);
    await t.pusher?.idle();
    expect(await t.store.pendingPushes()).toBe(1);

    // First failure: the next attempt is 2 s away, not before.
    t.clock.advance(1_999);
    await t.pusher?.nudge();
    expect(ehr.received).toHaveLength(1);
    t.clock.advance(1);
    await t.pusher?.nudge();
    expect(ehr.received).toHaveLength(2);

    // Second failure: 4 s.
    t.clock.advance(3_999);
    await t.pusher?.nudge();
    expect(ehr.received).toHaveLength(2);
    t.clock.advance(1);
    await t.pusher?.nudge();
    expect(ehr.received).toHaveLength(3);

    expect(await t.store.pendingPushes()).toBe(0);
    expect(await t.store.duePushes(new Date(t.clock.now().getTime() + 3600_000), 10)).toEqual([]);
    // Every attempt carried the same whole referral: nothing was lost to the failures.
    for (const push of ehr.received) expect(validateFhirR4(push.bundle)).toMatchObject({ ok: true });
    expect(new Set(ehr.received.map((r) => JSON.stringify(r.bundle))).size).toBe(1);
    t.clock.advance(600_000);
    await t.pusher?.nudge();
    expect(ehr.received).toHaveLength(3);
    const lines = t.logLines.join('\n');
    expect(lines).toContain('"status":503');
    expect(lines).toContain('"attempts":2');
  });

  it('coalesces several changes made while the endpoint is down into one push of the latest Task', async () => {
    const ehr = await startEhr();
    ehr.answers.push(503);
    const t = await createPushingConnector(ehr);
    await t.sent('ref-0301');
    await until(() => ehr.received.length === 1);
    await t.pusher?.idle();

    await t.changed('ref-0301', 'SENT', 'ACCEPTED', 'ACCEPT');
    await until(async () => (await t.taskStatus('ref-0301')) === 'accepted');
    await t.changed('ref-0301', 'ACCEPTED', 'SCHEDULED', 'SCHEDULE');
    await until(async () => (await t.taskStatus('ref-0301')) === 'in-progress');
    await t.pusher?.idle();
    // The endpoint is backing off: the changes wait in the store, the hospital has seen none of them yet.
    expect(ehr.received).toHaveLength(1);
    expect(await t.store.pendingPushes()).toBe(1);

    t.clock.advance(2_000);
    await t.pusher?.nudge();
    expect(ehr.received).toHaveLength(2);
    const latest = ehr.received[1]?.bundle as Bundle;
    expect(validateFhirR4(latest)).toMatchObject({ ok: true });
    expect(taskOf(latest)).toMatchObject({ id: 'ref-0301', status: 'in-progress' });
    // The ServiceRequest, stored when the referral arrived, still goes with the Task.
    expect(latest.entry?.map((e) => e.request?.url)).toEqual(['ServiceRequest/ref-0301', 'Task/ref-0301']);
    expect(await t.store.pendingPushes()).toBe(0);
  });

  it('keeps a Task pending that changed while its older version was being pushed', async () => {
    const ehr = await startEhr();
    const t = await createPushingConnector(ehr, { push: false });
    const { task, serviceRequest } = referralToFhir(sentReferral({ referralId: 'ref-0401', hospitalAgencyId: HOSPITAL }), HOSPITAL);
    await t.store.upsert('ref-0401', HOSPITAL, task, serviceRequest, 'GC-0401', { dueAt: t.clock.now() });
    const [first] = await t.store.duePushes(t.clock.now(), 10);
    await t.store.upsert('ref-0401', HOSPITAL, { ...task, status: 'accepted' }, null, 'GC-0401', { dueAt: t.clock.now() });
    await t.store.pushSucceeded('ref-0401', first?.version ?? 0, 200);
    const [again] = await t.store.duePushes(t.clock.now(), 10);
    expect(again?.record.task.status).toBe('accepted');
    expect(again?.record.serviceRequest).toEqual(serviceRequest);
    await t.store.pushSucceeded('ref-0401', again?.version ?? 0, 200);
    expect(await t.store.pendingPushes()).toBe(0);
  });

  it('retries a refused push and warns with the status code only, never the Bundle, URL or credential', async () => {
    const ehr = await startEhr();
    ehr.answers.push(422);
    const t = await createPushingConnector(ehr);
    await t.sent('ref-0501');
    await until(() => ehr.received.length === 1);
    await t.pusher?.idle();
    expect(await t.store.pendingPushes()).toBe(1);
    const warning = t.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 40);
    expect(warning).toMatchObject({ status: 422, attempts: 1 });
    t.clock.advance(2_000);
    await t.pusher?.nudge();
    expect(await t.store.pendingPushes()).toBe(0);
    const lines = t.logLines.join('\n');
    for (const secret of [SECRET, 'his-secret', ehr.url, '127.0.0.1', CANARY_REASON, 'subj-88', 'ref-0501', 'GC-4821']) expect(lines).not.toContain(secret);
  });

  it('counts an endpoint that does not answer in time as a failed attempt', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => (silent.closeAllConnections(), silent.close(() => resolve()))));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/fhir`;
    const t = await createPushingConnector({ url, received: [], answers: [] }, { timeoutMs: 100 });
    await t.sent('ref-0601');
    await until(async () => (await t.store.duePushes(new Date(t.clock.now().getTime() + 2_000), 10))[0]?.attempts === 1);
    expect(await t.store.duePushes(t.clock.now(), 10)).toEqual([]);
    expect(t.logLines.join('\n')).toContain('"failure":"timeout"');
  });

  it('marks nothing and sends nothing when no push is configured', async () => {
    const ehr = await startEhr();
    const t = await createPushingConnector(ehr, { push: false });
    expect(t.pusher).toBeNull();
    await t.sent('ref-0701');
    await until(() => t.store.knows('ref-0701'));
    await t.changed('ref-0701', 'SENT', 'ACCEPTED', 'ACCEPT');
    await until(async () => (await t.taskStatus('ref-0701')) === 'accepted');
    expect(await t.store.pendingPushes()).toBe(0);
    expect(await t.store.duePushes(new Date(t.clock.now().getTime() + 3600_000), 10)).toEqual([]);
    expect(ehr.received).toEqual([]);
  });
});

describe('the FHIR push configuration', () => {
  it('refuses plain http to a host that is not loopback, without repeating the URL', () => {
    const attempt = () => parseFhirPushTarget({ url: 'http://ehr.kangning.example/fhir/r4?key=abc' });
    expect(attempt).toThrow(FhirPushConfigError);
    expect(attempt).toThrow('Invalid configuration: fhirPush.url: plain http is only allowed to a loopback host; use https');
    for (const url of ['http://127.0.0.1:8080/fhir', 'http://localhost/fhir', 'http://[::1]:9000/fhir', 'https://ehr.kangning.example/fhir'])
      expect(parseFhirPushTarget({ url }), url).toEqual({ url });
    expect(() => parseFhirPushTarget({ url: 'ftp://ehr.kangning.example/fhir' })).toThrow(FhirPushConfigError);
    expect(() => parseFhirPushTarget({ url: 'https://user:pw@ehr.kangning.example/fhir' })).toThrow(/credentials/);
  });

  it('refuses an authorization value that could smuggle a header', () => {
    expect(() => parseFhirPushTarget({ url: 'https://ehr.example/fhir', authorization: 'Bearer x\r\nX-Evil: 1' })).toThrow(
      'Invalid configuration: fhirPush.authorization: invalid_format',
    );
  });

  it('reads FHIR_PUSH_TARGETS as a map of agency id to target and FHIR_PUSH_URL for a standalone connector', () => {
    const config = loadConfig({
      FHIR_PUSH_TARGETS: JSON.stringify({ [HOSPITAL]: { url: 'https://ehr.kangning.example/fhir/r4', authorization: SECRET } }),
      FHIR_PUSH_URL: 'https://ehr.seventh.example/fhir',
      FHIR_PUSH_AUTHORIZATION: SECRET,
    });
    expect(config.fhirPushTargets).toEqual({ [HOSPITAL]: { url: 'https://ehr.kangning.example/fhir/r4', authorization: SECRET } });
    expect(config.fhirPush).toEqual({ url: 'https://ehr.seventh.example/fhir', authorization: SECRET });
    expect(loadConfig({})).toMatchObject({ fhirPush: undefined, fhirPushTargets: {} });
  });

  it('refuses FHIR_PUSH_TARGETS that is not JSON without echoing the value', () => {
    const value = `{"${HOSPITAL}": {"url": "https://ehr.example/fhir", "authorization": "${SECRET}"`;
    let error: unknown;
    try {
      loadConfig({ FHIR_PUSH_TARGETS: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FhirPushConfigError);
    expect((error as Error).message).toBe('Invalid configuration: FHIR_PUSH_TARGETS: not valid JSON');
    expect((error as Error).cause).toBeUndefined();
    expect(JSON.stringify(error)).not.toContain('his-secret');
  });

  it('refuses a plain http target or a malformed one in FHIR_PUSH_TARGETS, naming the agency and field only', () => {
    const plain = JSON.stringify({ [HOSPITAL]: { url: 'http://ehr.kangning.example/fhir', authorization: SECRET } });
    expect(() => loadConfig({ FHIR_PUSH_TARGETS: plain })).toThrow(`Invalid configuration: FHIR_PUSH_TARGETS.${HOSPITAL}.url: plain http`);
    expect(() => loadConfig({ FHIR_PUSH_TARGETS: '["https://ehr.example"]' })).toThrow(FhirPushConfigError);
    expect(() => parseFhirPushTargets(JSON.stringify({ [HOSPITAL]: { url: 'https://e.example', token: 'x' } }), 'X')).toThrow(
      `Invalid configuration: X.${HOSPITAL}: unrecognized_keys`,
    );
    expect(() => loadConfig({ FHIR_PUSH_URL: 'http://ehr.example/fhir' })).toThrow('Invalid configuration: FHIR_PUSH_URL: plain http');
    expect(() => loadConfig({ FHIR_PUSH_AUTHORIZATION: SECRET })).toThrow('Invalid configuration: FHIR_PUSH_AUTHORIZATION: needs FHIR_PUSH_URL');
  });

  it('builds fullUrls on the base without its query or trailing slash', () => {
    const { task, serviceRequest } = referralToFhir(sentReferral({ referralId: 'ref-0801' }), HOSPITAL);
    const bundle = fhirPushBundle(
      { referralId: 'ref-0801', code: 'GC-0801', ownerAgencyId: HOSPITAL, task, serviceRequest: null },
      'https://e.example/fhir/?tenant=7',
    );
    expect(bundle.entry?.map((e) => e.fullUrl)).toEqual(['https://e.example/fhir/Task/ref-0801']);
    expect(validateFhirR4(bundle)).toMatchObject({ ok: true });
    expect(serviceRequest.id).toBe('ref-0801');
  });
});
