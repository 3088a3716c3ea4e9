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
import { systemClock } from '../../core/clock.js';
import { HUB_AGENCY_ID, SEED_AGENCIES } from '../../core/development-seed.js';
import { EVENT_TYPES } from '../../core/messages/event-types.js';
import { agencyTopic, TOPICS } from '../../core/messages/topics.js';
import type { EventBus } from '../../core/ports/event-bus.js';
import { createHospitalConnector } from '../hospital/hospital-connector.js';
import type { Connector } from './create-connector.js';

const HOSPITAL = 'hospital-kangning';

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
  const sent = (referralId: string) => ({ referralId, subjectId: 'subj-x', schoolAgencyId: 'school-east', hospitalAgencyId: HOSPITAL, reason: 'Confidential clinical text', guardiansNotified: true, sentAt: new Date().toISOString() });
  const inbox = async () => (await (await connector.app.fetch(new Request('http://c/v1/inbox'))).json()) as { items: Array<{ id: string; kind: string; payload: Record<string, unknown>; correlationId: string | null }> };

  beforeAll(async () => {
    sql = await createPgliteClient();
    await migrate(sql, 'bus');
    await migrate(sql, 'connector');
    bus = createEmbeddedEventBus({ client: sql, redeliveryDelayMs: 10 });
    keyRing = await loadOrCreateKeyRing({ agencies: SEED_AGENCIES });
    const destination = new Writable({ write: (c, _e, done) => (logLines.push(String(c)), done()) });
    connector = createHospitalConnector({
      agencyId: HOSPITAL,
      bus,
      directory: createStaticDirectory(keyRing.directory()),
      inbox: createSqlConnectorInbox(sql, HOSPITAL),
      signer: await keyRing.signer(HOSPITAL),
      clock: systemClock,
      logger: createLogger({ name: 'connector-test', destination }),
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
    const event = await createSignedEvent({ signer: await keyRing.signer(HUB_AGENCY_ID), type: EVENT_TYPES.referralSent, subject: 'r-1', data: sent('r-1'), time: new Date(), correlationId: 'corr-1' });
    await bus.publish(agencyTopic(HOSPITAL), [event, event]);
    const items = await until(async () => {
      const all = (await inbox()).items.filter((i) => i.payload.referralId === 'r-1');
      return all.length > 0 && all;
    });
    // The duplicate is handled after the first; a later message proves it has been.
    const marker = await createSignedEvent({ signer: await keyRing.signer(HUB_AGENCY_ID), type: EVENT_TYPES.referralSent, subject: 'r-2', data: sent('r-2'), time: new Date() });
    await bus.publish(agencyTopic(HOSPITAL), [marker]);
    await until(async () => (await inbox()).items.some((i) => i.payload.referralId === 'r-2'));
    expect((await inbox()).items.filter((i) => i.payload.referralId === 'r-1')).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'referral-offered', correlationId: 'corr-1', payload: { patientPseudonym: 'subj-x', referringSchoolId: 'school-east' } });
  });

  it('dead-letters an event on its topic that the hub did not sign', async () => {
    const bySchool = await createSignedEvent({ signer: await keyRing.signer('school-east'), type: EVENT_TYPES.referralSent, subject: 'r-3', data: sent('r-3'), time: new Date() });
    await bus.publish(agencyTopic(HOSPITAL), [bySchool]);
    const letter = await until(async () => letters.find((l) => l.originalKey === 'r-3'));
    expect(letter).toMatchObject({ reason: 'WRONG_SIGNER', consumer: `connector.${HOSPITAL}` });
    expect((await inbox()).items.some((i) => i.payload.referralId === 'r-3')).toBe(false);
  });

  it('sends the hospital decision to the hub signed with the hospital key and the case correlation id', async () => {
    const seen: string[] = [];
    const sub = await bus.subscribe({ groupId: 'test-hub-inbound', topics: [TOPICS.hubInbound], handler: async (m) => void seen.push(m.value) });
    const response = await connector.app.fetch(
      new Request('http://c/v1/referrals/r-1/decision', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'accept', decidedBy: 'dr-lin' }) }),
    );
    expect(response.status).toBe(202);
    const value = await until(async () => seen[0]);
    await sub.close();
    const envelope = JSON.parse(value);
    expect(envelope).toMatchObject({ source: `urn:careloop:agency:${HOSPITAL}`, type: EVENT_TYPES.referralDecision, subject: 'r-1', correlationid: 'corr-1' });
  });

  it('never logs the clinical text it carries', () => {
    expect(logLines.join('')).not.toContain('Confidential clinical text');
  });
});
