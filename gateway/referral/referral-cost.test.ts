import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWorkCounters } from '../../adapters/metrics/work-counters.js';
import { gql, tokenFor, enrolStudents } from '../../test/support/hub-client.js';
import { referralInput } from '../../test/support/referral-fixtures.js';
import { createTestHub } from '../../test/support/test-hub.js';

const LIST = `query($first: Int) { referrals(first: $first) { items { id state code school { name } hospital { name } timeline { action actorAgency { name } } } } }`;

/**
 * Work per page, counted rather than timed (issue 7): a page costs the same number of SQL statements whatever its
 * size, and one policy decision per referral plus one for the list. A per-item query creeping back fails here.
 */
describe('the cost of a page of referrals', () => {
  let test: Awaited<ReturnType<typeof createTestHub>>;
  let token: string;
  beforeAll(async () => {
    // No embedded connectors and a slow relay: the only statements counted are the request's own.
    test = await createTestHub({ embedConnectors: false, relayIntervalMs: 600_000, deadlineCheckIntervalMs: 0 });
    const students = Array.from({ length: 50 }, (_, i) => `subj-cost-${i}`);
    await enrolStudents(test.hub.sql, students);
    token = await tokenFor(test.hub.keyRing, 'school-east', 'psychology-teacher');
    for (const subjectId of students) {
      const sent = await gql(test.hub.fetch, token, 'mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }', {
        i: referralInput({ subjectId }),
      });
      expect(sent.errors).toBeUndefined();
    }
  }, 60_000);
  afterAll(() => test.hub.stop());

  /** The least work of a few runs: the embedded bus's own polling may land inside one of them. */
  async function costOf(first: number) {
    let least = { sqlStatements: Infinity, policyDecisions: Infinity, items: 0 };
    for (let run = 0; run < 3; run++) {
      const before = await readWorkCounters();
      const result = await gql<{ referrals: { items: unknown[] } }>(test.hub.fetch, token, LIST, { first });
      const after = await readWorkCounters();
      expect(result.errors).toBeUndefined();
      const cost = { sqlStatements: after.sqlStatements - before.sqlStatements, policyDecisions: after.policyDecisions - before.policyDecisions };
      if (cost.sqlStatements < least.sqlStatements) least = { ...cost, items: result.data!.referrals.items.length };
    }
    return least;
  }

  it('costs the same SQL statements for 5 referrals as for 50, with nested agencies and timelines', async () => {
    const small = await costOf(5);
    const large = await costOf(50);
    expect(small.items).toBe(5);
    expect(large.items).toBe(50);
    expect(large.sqlStatements).toBe(small.sqlStatements);
    // The page with everything attached to its referrals (one statement, not one a table), the children, their
    // consents and the audit.
    expect(large.sqlStatements).toBeLessThanOrEqual(5);
  });

  it('asks the policy once per referral and once for the list, never per field', async () => {
    const large = await costOf(50);
    expect(large.policyDecisions).toBe(51);
  });

  it('audits the list’s decision and then every referral’s, in the order shown, nothing else between them', async () => {
    const result = await gql<{ referrals: { items: Array<{ id: string }> } }>(test.hub.fetch, token, LIST, { first: 50 });
    expect(result.errors).toBeUndefined();
    const rows = await test.hub.sql.query<{ seq: string; resource_type: string; resource_id: string | null }>(
      'SELECT seq::text AS seq, resource_type, resource_id FROM audit_log ORDER BY audit_log.seq DESC LIMIT 51',
    );
    const written = rows.reverse();
    expect(written.map((r) => r.resource_type)).toEqual(['referral[]', ...Array<string>(50).fill('referral')]);
    expect(written.slice(1).map((r) => r.resource_id)).toEqual(result.data!.referrals.items.map((r) => r.id));
    expect(written.map((r) => Number(r.seq) - Number(written[0]!.seq))).toEqual(Array.from({ length: 51 }, (_, i) => i));
  });

  it('audits the list’s decision even when its page never comes, on a cursor this hub did not give out', async () => {
    const count = async () =>
      Number((await test.hub.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE resource_type = 'referral[]'"))[0]?.n);
    const before = await count();
    const result = await gql(test.hub.fetch, token, LIST.replace('referrals(first: $first)', 'referrals(first: $first, after: "not-a-cursor")'), {
      first: 5,
    });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await count()).toBe(before + 1);
  });

  it('answers a missing id with the statements a hidden referral costs, so NOT_FOUND takes about as long either way', async () => {
    // The referral of a child at another school (its hospital is not this hospital): NOT_FOUND for the hospital below.
    const hidden = (await test.hub.sql.query<{ id: string }>('SELECT id FROM referrals LIMIT 1'))[0]!.id;
    const stranger = await tokenFor(test.hub.keyRing, 'hospital-seventh', 'hospital-liaison');
    const READ = 'query($id: ID!) { referral(id: $id) { id state } }';
    const costOfRead = async (id: string) => {
      let least = Infinity;
      let code = '';
      for (let run = 0; run < 3; run++) {
        const before = await readWorkCounters();
        const result = await gql(test.hub.fetch, stranger, READ, { id });
        const after = await readWorkCounters();
        code = String(result.errors?.[0]?.extensions?.code);
        least = Math.min(least, after.sqlStatements - before.sqlStatements);
      }
      return { least, code };
    };
    const shownNothing = await costOfRead(hidden);
    const missing = await costOfRead('ref-no-such-referral');
    expect(shownNothing.code).toBe('NOT_FOUND');
    expect(missing.code).toBe('NOT_FOUND');
    // The hidden one also looks up the child's consents for the policy (one statement), which a missing id has none of.
    expect(shownNothing.least - missing.least).toBeLessThanOrEqual(1);
  });
});

/**
 * A referral sent through GraphQL: what the school's click costs before it is answered. The relay, nudged at commit,
 * publishes meanwhile; its statements are not the request's, so the statements are told apart by what they read.
 */
describe('the cost of sending a referral', () => {
  let test: Awaited<ReturnType<typeof createTestHub>>;
  let token: string;
  beforeAll(async () => {
    test = await createTestHub({ embedConnectors: false, relayIntervalMs: 600_000, deadlineCheckIntervalMs: 0 });
    token = await tokenFor(test.hub.keyRing, 'school-east', 'psychology-teacher');
  }, 60_000);
  afterAll(() => test.hub.stop());

  it('looks the child up once for the step and its answer, and audits the step’s two decisions in one write', async () => {
    await enrolStudents(test.hub.sql, ['subj-send-cost']);
    const statements: string[] = [];
    const query = test.hub.sql.query.bind(test.hub.sql);
    test.hub.sql.query = (sql: string, params?: unknown[]) => {
      statements.push(sql);
      return query(sql, params);
    };
    try {
      const before = await readWorkCounters();
      const sent = await gql<{ createReferral: { state: string } }>(
        test.hub.fetch,
        token,
        'mutation($i: CreateReferralInput!) { createReferral(input: $i) { id state } }',
        { i: referralInput({ subjectId: 'subj-send-cost' }) },
      );
      expect(sent.errors).toBeUndefined();
      expect(sent.data?.createReferral.state).toBe('SENT');
      // The school's step, what the hospital's system may see, and the school's answer.
      expect((await readWorkCounters()).policyDecisions - before.policyDecisions).toBe(3);
    } finally {
      test.hub.sql.query = query;
    }
    expect(statements.filter((s) => /\bFROM subjects\b/.test(s))).toHaveLength(1);
    // The step's two decisions in one write, the answer's in another.
    expect(statements.filter((s) => /\bUPDATE audit_chain_head\b/.test(s))).toHaveLength(2);
  });
});
