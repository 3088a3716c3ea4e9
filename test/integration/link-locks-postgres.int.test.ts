import { describe, expect, inject, it } from 'vitest';
import { createPgClient } from '../../adapters/store/pg-client.js';
import { createSqlEnrolmentStore } from '../../adapters/store/sql-enrolment-store.js';
import type { Transaction } from '../../core/ports/unit-of-work.js';
import { eventually } from '../support/hub-client.js';
import { startKafkaPostgresHub } from '../support/kafka-postgres-hub.js';
import { inventedResidentId } from '../support/resident-ids.js';

const link = (digest: string) => ({ keyId: 'k1', digest });
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Replicas (or partitions worked on at once) may apply a school's enrolment and a police signal about the same child
 * at the same moment. Both take the child's links first; on PostgreSQL the second waits for the first to commit, so
 * the signal cannot be stored UNMATCHED while the enrolment that would have matched it commits unseen.
 */
describe('links held across connections (PostgreSQL)', () => {
  it('makes a second transaction about the same child wait for the first, and lets one about another child go on', async () => {
    const sql = createPgClient({ connectionString: inject('databaseUrl') });
    const store = createSqlEnrolmentStore(sql);
    const events: string[] = [];
    try {
      let release = () => undefined as void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked = () => undefined as void;
      const first = new Promise<void>((resolve) => (locked = resolve));
      const holder = sql.transaction(async (tx) => {
        await store.lockLinks(tx as unknown as Transaction, [link('child-a'), link('child-b')]);
        locked();
        await held;
        events.push('first commits');
      });
      await first;
      const sameChild = sql.transaction(async (tx) => {
        await store.lockLinks(tx as unknown as Transaction, [link('child-b')]);
        events.push('same child locked');
      });
      const otherChild = sql.transaction(async (tx) => {
        await store.lockLinks(tx as unknown as Transaction, [link('child-c')]);
        events.push('other child locked');
      });
      await otherChild;
      await tick(300);
      expect(events).toEqual(['other child locked']);
      release();
      await Promise.all([holder, sameChild]);
      expect(events).toEqual(['other child locked', 'first commits', 'same child locked']);
    } finally {
      await sql.close();
    }
  });

  it('takes overlapping links in one order, so two batches naming the same children the other way round do not deadlock', async () => {
    const sql = createPgClient({ connectionString: inject('databaseUrl') });
    const store = createSqlEnrolmentStore(sql);
    try {
      const names = Array.from({ length: 40 }, (_, i) => `child-${i}`);
      const run = (order: string[]) =>
        sql.transaction(async (tx) => {
          await store.lockLinks(tx as unknown as Transaction, order.map(link));
          await tick(5);
        });
      await Promise.all(Array.from({ length: 6 }, (_, i) => run(i % 2 === 0 ? names : [...names].reverse())));
    } finally {
      await sql.close();
    }
  });

  it('answers a transaction that lost a deadlock as SERVICE_UNAVAILABLE, so the event is tried again rather than dead-lettered', async () => {
    const sql = createPgClient({ connectionString: inject('databaseUrl') });
    try {
      // Two transactions take two locks in opposite orders: PostgreSQL aborts one of them (40P01).
      const both = (first: number, second: number) =>
        sql.transaction(async (tx) => {
          await tx.query('SELECT pg_advisory_xact_lock($1)', [first]);
          await tick(200);
          await tx.query('SELECT pg_advisory_xact_lock($1)', [second]);
        });
      const outcomes = await Promise.allSettled([both(91_001, 91_002), both(91_002, 91_001)]);
      const failed = outcomes.filter((o) => o.status === 'rejected');
      expect(failed).toHaveLength(1);
      expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retriable: true });
    } finally {
      await sql.close();
    }
  });

  it("makes the hub's signal intake and enrolment wait while another transaction holds a child's links", { timeout: 120_000 }, async () => {
    const keys = new Map<string, string>();
    const started = await startKafkaPostgresHub(
      { embedConnectors: true, relayIntervalMs: 50, retentionIntervalMs: 0, onConnectorKeyCreated: (agency, key) => void keys.set(agency, key) },
      'locks',
    );
    const hub = started.hub;
    const post = (agency: string, path: string, body: unknown) =>
      Promise.resolve(
        hub.fetch(
          new Request(`http://hub/connectors/${agency}${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${keys.get(agency)}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          }),
        ),
      );
    const store = createSqlEnrolmentStore(hub.sql);
    /** Holds the child's links in a transaction of its own until `release` is called. */
    const hold = async (links: Array<{ keyId: string; digest: string }>) => {
      let release = () => undefined as void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let locked = () => undefined as void;
      const taken = new Promise<void>((resolve) => (locked = resolve));
      const holder = hub.sql.transaction(async (tx) => {
        await store.lockLinks(tx as unknown as Transaction, links);
        locked();
        await released;
      });
      await taken;
      return async () => {
        release();
        await holder;
      };
    };
    // A failed expectation must not leave the links held: the hub could not stop.
    let releaseLinks: () => Promise<void> = () => Promise.resolve();
    try {
      const residentId = inventedResidentId();
      const today = new Date().toISOString().slice(0, 10);
      expect(
        (
          await post('school-east', '/v1/enrolments', {
            changes: [{ studentNumber: 'L-1', residentId, change: 'ENROLLED', grade: 8, classRef: '8-1', on: today }],
          })
        ).status,
      ).toBe(202);
      const subjectId = await eventually(async () => {
        const [row] = await hub.sql.query<{ id: string }>(`SELECT id FROM subjects WHERE school_agency_id = 'school-east' AND local_ref = 'L-1'`);
        return row?.id;
      });
      const links = await hub.sql.query<{ keyId: string; digest: string }>('SELECT key_id AS "keyId", digest FROM identity_links WHERE subject_id = $1', [
        subjectId,
      ]);
      expect(links.length).toBeGreaterThan(0);

      // A signal about the held child is not taken in until the holder commits.
      releaseLinks = await hold(links);
      const signal = {
        sourceId: 'LOCK-1',
        category: 'ONLINE_SELF_HARM_RISK',
        severity: 'HIGH',
        observedAt: new Date(Date.now() - 3600_000).toISOString(),
        officer: 'PC-1',
        child: { residentId, localId: 'HZ-1' },
      };
      expect((await post('police-haishu', '/v1/signals/batch', { signals: [signal] })).status).toBe(202);
      const stored = () => hub.sql.query<{ state: string }>(`SELECT state FROM signals WHERE source_id = 'LOCK-1'`);
      await tick(1500);
      expect(await stored()).toEqual([]);
      await releaseLinks();
      expect(await eventually(async () => (await stored())[0]?.state)).toBe('ROUTED');

      // Nor is the school's register change about the child (a new grade and class) applied while its links are held.
      releaseLinks = await hold(links);
      const moved = await post('school-east', '/v1/enrolments', {
        changes: [{ studentNumber: 'L-1', residentId, change: 'ENROLLED', grade: 9, classRef: '9-1', on: today }],
      });
      expect(moved.status).toBe(202);
      const grade = async () => Number((await hub.sql.query<{ grade: number }>('SELECT grade FROM subjects WHERE id = $1', [subjectId]))[0]?.grade);
      await tick(1500);
      expect(await grade()).toBe(8);
      await releaseLinks();
      expect(await eventually(async () => (await grade()) === 9)).toBe(true);
    } finally {
      await releaseLinks();
      await started.stop();
    }
  });
});
