import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDatabase } from '../harness/postgres-server.js';
import { expect, inject, it } from 'vitest';
import { createLogger } from '../../adapters/logging/create-logger.js';
import { createHub } from '../../gateway/create-hub.js';
import { eventually, gql, tokenFor } from '../support/hub-client.js';
import { referralInput } from '../support/referral-fixtures.js';

const CANARY = 'CANARY9P-self-harm-disclosed-PHQ9-23';

function pgDump(): string {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_dump')))
    .sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error('pg_dump not found under /usr/lib/postgresql/*/bin (Debian postgresql package).');
  return join(root, version, 'bin', 'pg_dump');
}

it('a PostgreSQL dump of the hub holds no referral reason, decline reason or event in clear', async () => {
  const url = await createDatabase(inject('databaseUrl'), `careloop_at_rest_${randomUUID().slice(0, 8)}`);
  const keys = new Map<string, string>();
  const hub = await createHub({
    databaseUrl: url,
    embedConnectors: true,
    relayIntervalMs: 200,
    retentionIntervalMs: 0,
    logger: createLogger({ name: 'at-rest', level: 'silent' }),
    onConnectorKeyCreated: (id, key) => void keys.set(id, key),
  });
  try {
    const teacher = await tokenFor(hub.keyRing, 'school-east', 'psychology-teacher');
    const created = await gql<{ createReferral: { id: string } }>(
      hub.fetch,
      teacher,
      'mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }',
      {
        i: referralInput({ reason: `${CANARY} reason`, canary: CANARY }),
      },
    );
    const id = created.data!.createReferral.id;
    const liaison = await tokenFor(hub.keyRing, 'hospital-kangning', 'hospital-liaison');
    await gql(hub.fetch, liaison, 'mutation($id: ID!, $r: String!) { declineReferral(id: $id, reason: $r) { id } }', { id, r: `${CANARY} decline` });
    await eventually(
      async () => {
        const response = await hub.fetch(
          new Request('http://hub/connectors/school-east/v1/inbox', { headers: { authorization: `Bearer ${keys.get('school-east')}` } }),
        );
        return ((await response.json()) as { items: Array<{ payload: { referralId: string } }> }).items.some((i) => i.payload.referralId === id);
      },
      { what: 'the decline at the school connector' },
    );
    const dump = spawnSync(pgDump(), ['--data-only', '--dbname', url], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(dump.status, dump.stderr).toBe(0);
    expect(dump.stdout).toContain('enc:v1:');
    expect(dump.stdout.length).toBeGreaterThan(10_000);
    expect(dump.stdout).not.toContain(CANARY);
  } finally {
    await hub.stop();
  }
});
