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
});
