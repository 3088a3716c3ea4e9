import { describe, expect, inject, it } from 'vitest';
import { createPgClient } from '../../adapters/store/pg-client.js';
import { createSqlEnrolmentStore } from '../../adapters/store/sql-enrolment-store.js';
import type { Transaction } from '../../core/ports/unit-of-work.js';

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
});
