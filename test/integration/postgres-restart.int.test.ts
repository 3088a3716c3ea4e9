import { expect, it } from 'vitest';
import { createLogger } from '../../adapters/logging/create-logger.js';
import { createHub } from '../../gateway/create-hub.js';
import { startPostgresServer } from '../harness/postgres-server.js';
import { errorCode, eventually, gql, tokenFor, enrolStudents } from '../support/hub-client.js';
import { referralInput } from '../support/referral-fixtures.js';

const CREATE = 'mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }';

/** A server of its own: restarting the suite's shared one would cut every other test's connections. */
it('PostgreSQL restarting under load: the hub keeps running, answers typed errors meanwhile, reconnects, and loses nothing it accepted', async () => {
  const server = await startPostgresServer();
  const keys = new Map<string, string>();
  const hub = await createHub({
    databaseUrl: server.url,
    embedConnectors: true,
    relayIntervalMs: 100,
    retentionIntervalMs: 0,
    deadlineCheckIntervalMs: 0,
    logger: createLogger({ name: 'pg-restart', level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    onConnectorKeyCreated: (id, key) => void keys.set(id, key),
  });
  try {
    const teacher = await tokenFor(hub.keyRing, 'school-east', 'psychology-teacher');
    // Students enrolled up front, so that sends during the outage reach the GraphQL door rather than the harness.
    const students = Array.from({ length: 400 }, (_, i) => `subj-restart-${i}`);
    await enrolStudents(hub.sql, students);
    const send = async () => {
      const subjectId = students.shift();
      if (!subjectId) throw new Error('The test ran out of students: the hub did not come back in time.');
      const result = await gql<{ createReferral: { id: string } }>(hub.fetch, teacher, CREATE, { i: referralInput({ subjectId }) });
      return result.data?.createReferral
        ? { outcome: 'accepted' as const, id: result.data.createReferral.id }
        : { outcome: 'refused' as const, code: errorCode(result) };
    };

    const accepted: string[] = [];
    const refusedCodes = new Set<unknown>();
    let loading = true;
    const load = (async () => {
      while (loading) {
        const r = await send();
        if (r.outcome === 'accepted') accepted.push(r.id);
        if (r.outcome === 'refused') refusedCodes.add(r.code);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await eventually(async () => accepted.length >= 3, { what: 'load before the restart' });
    const before = accepted.length;
    await server.restart(1500);
    await eventually(async () => accepted.length >= before + 3, { what: 'referrals accepted again after the restart', timeoutMs: 60_000 });
    loading = false;
    await load;

    // What was sent while the server was down failed as a typed, retriable error, not a dropped connection.
    expect([...refusedCodes]).toEqual(['SERVICE_UNAVAILABLE']);
    const health = await hub.fetch(new Request('http://hub/health'));
    expect(health.status).toBe(200);
    // Every referral the hub answered for is stored and reaches the hospital's connector.
    const stored = await hub.sql.query<{ id: string }>('SELECT id FROM referrals WHERE id = ANY($1)', [accepted]);
    expect(stored).toHaveLength(accepted.length);
    await eventually(
      async () => {
        for (const id of accepted) {
          const task = await hub.fetch(
            new Request(`http://hub/connectors/hospital-kangning/fhir/r4/Task/${id}`, {
              headers: { authorization: `Bearer ${keys.get('hospital-kangning')}` },
            }),
          );
          if (task.status !== 200) return false;
        }
        return true;
      },
      { what: 'every accepted referral at the hospital', timeoutMs: 60_000 },
    );
  } finally {
    await hub.stop();
    await server.stop();
  }
}, 180_000);
