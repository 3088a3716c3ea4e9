import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createPgliteClient } from '../../adapters/store/pglite-client.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../harness/free-port.js';
import { createDatabase } from '../harness/postgres-server.js';
import { eventually, subscribeSse } from '../support/hub-client.js';
import { referralInput } from '../support/referral-fixtures.js';
import { startFlags } from '../../scripts/start-flags.mjs';

/**
 * The commands the README gives, run as real processes: `npm start` on embedded defaults, and `npm start` on
 * Kafka and PostgreSQL with the hospital connector as its own process (`npm run start:connector -- hospital`).
 * Both run what `npm run build` bundles into dist/ on plain Node, as those commands do (without npm in between,
 * so that stopping a test's process stops the hub itself).
 */
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(REPO, 'node_modules/.bin/tsx');
const children: ChildProcess[] = [];
const dirs: string[] = [];

beforeAll(() => {
  const built = spawnSync(process.execPath, [join(REPO, 'scripts/build.mjs')], { cwd: REPO, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`npm run build failed: ${built.stderr}`);
});

/** `npm start` (start-hub) or `npm run start:connector` (start-connector), as the package's scripts run them. */
function run(script: 'start-hub' | 'start-connector', args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [...startFlags(script === 'start-hub' ? 'start' : 'start:connector'), join(REPO, 'dist', `${script}.mjs`), ...args], {
    cwd: REPO,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c) => (output = (output + String(c)).slice(-8000)));
  child.stderr?.on('data', (c) => (output = (output + String(c)).slice(-8000)));
  children.push(child);
  return { child, output: () => output };
}

function token(keysDir: string, agency: string, role: string): string {
  const result = spawnSync(TSX, [join(REPO, 'scripts/token.ts'), '--agency', agency, '--role', role], {
    cwd: REPO,
    env: { ...process.env, KEYS_DIR: keysDir },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`npm run token failed: ${result.stderr}`);
  return result.stdout.trim();
}

async function up(url: string, what: string, proc: { output: () => string; child: ChildProcess }) {
  await eventually(
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`${what} exited:\n${proc.output()}`);
      return fetch(url).then(
        (r) => r.ok,
        () => false,
      );
    },
    { timeoutMs: 60_000, intervalMs: 200, what },
  );
}

async function graphql(base: string, bearer: string, query: string, variables?: object) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, { id: string; state: string }>; errors?: unknown[] };
}

/** The connector API key a process printed once on first start. */
async function printedKey(proc: { output: () => string }, agencyId: string): Promise<string> {
  return eventually(async () => new RegExp(`clk_${agencyId}_[0-9a-f]{8}_[A-Za-z0-9_-]{43}`).exec(proc.output())?.[0], { what: `the API key of ${agencyId}` });
}

/** School sends, hospital system accepts through `connector` with its API key, school reads ACCEPTED: over real HTTP. */
async function loop(hub: string, connector: string, keysDir: string, apiKey: string) {
  const asSystem = { authorization: `Bearer ${apiKey}` };
  const school = token(keysDir, 'school-east', 'psychology-teacher');
  const created = await graphql(hub, school, 'mutation($i: CreateReferralInput!) { createReferral(input: $i) { id state } }', {
    i: referralInput({ subjectId: 'subj-3x8w1p', reason: 'Panic attacks in class; crisis team level 2.' }),
  });
  const referral = created.data!.createReferral!;
  expect(referral.state).toBe('SENT');
  const task = await eventually(
    async () => {
      const read = await fetch(`${connector}/fhir/r4/Task/${referral.id}`, { headers: asSystem });
      return read.status === 200 ? ((await read.json()) as Record<string, unknown>) : null;
    },
    { what: 'the Task in the hospital connector' },
  );
  expect((await fetch(`${connector}/fhir/r4/Task/${referral.id}`)).status).toBe(401);
  const decision = await fetch(`${connector}/fhir/r4/Task/${referral.id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/fhir+json', ...asSystem },
    body: JSON.stringify({ ...task, status: 'accepted', owner: { ...(task.owner as object), display: 'dr-lin' } }),
  });
  expect(decision.status).toBe(202);
  await eventually(
    async () => (await graphql(hub, school, 'query($id: ID!) { referral(id: $id) { id state } }', { id: referral.id })).data?.referral?.state === 'ACCEPTED',
    {
      what: 'ACCEPTED',
    },
  );
  // Withdrawn again, so that the next loop on the same database may refer the same child.
  const withdrawn = await graphql(hub, school, 'mutation($id: ID!) { withdrawReferral(id: $id, reason: "Test over.") { id state } }', { id: referral.id });
  expect(withdrawn.errors).toBeUndefined();
  return referral.id;
}

/** Fresh databases on the suite's PostgreSQL server. */
async function createDatabases(...names: string[]) {
  for (const name of names) await createDatabase(inject('databaseUrl'), name);
}
const databaseUrl = (name: string) => inject('databaseUrl').replace(/\/careloop_test$/, `/${name}`);

/** What a process needs to reach the suite's Kafka broker as its super user. */
function kafkaEnv() {
  const sasl = inject('kafkaSasl');
  return { KAFKA_BROKERS: inject('kafkaBrokers').join(','), KAFKA_USERNAME: sasl.username, KAFKA_PASSWORD: sasl.password };
}

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => (c.exitCode === null ? new Promise((r) => (c.once('exit', r), c.kill('SIGTERM'))) : Promise.resolve())));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('the hub as the README starts it', () => {
  it('npm start runs the whole loop on embedded defaults and creates its keys on first start', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'careloop-start-'));
    dirs.push(dataDir);
    const port = await freePort();
    const hub = run('start-hub', [], { PORT: String(port), DATA_DIR: dataDir });
    const base = `http://127.0.0.1:${port}`;
    await up(`${base}/health`, 'the embedded hub', hub);
    expect(hub.output()).toContain('DEVELOPMENT MODE');
    await loop(base, `${base}/connectors/hospital-kangning`, join(dataDir, 'keys'), await printedKey(hub, 'hospital-kangning'));

    // npm run audit:verify on the store the hub leaves behind: intact, then edited by hand.
    await new Promise((resolve) => (hub.child.once('exit', resolve), hub.child.kill('SIGTERM')));
    const verify = () => spawnSync(TSX, [join(REPO, 'scripts/audit-verify.ts')], { cwd: REPO, env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8' });
    const intact = verify();
    expect(intact.status, intact.stderr).toBe(0);
    expect(intact.stdout).toMatch(/audit chain intact: \d+ entries/);
    const store = await createPgliteClient({ dataDir: join(dataDir, 'pglite') });
    await store.query('UPDATE audit_log SET allowed = NOT allowed WHERE seq = 3');
    await store.close();
    const edited = verify();
    expect(edited.status).toBe(1);
    expect(edited.stdout).toContain('EDITED at entry 3: entry 3 does not match its hash');
  });

  it('npm start on Kafka and PostgreSQL works with the three connectors as their own processes', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'careloop-kafka-start-'));
    dirs.push(dataDir);
    await createDatabases('careloop_processes', ...['hospital', 'school', 'public_safety'].map((db) => `careloop_processes_${db}`));
    const keysDir = join(dataDir, 'keys');
    const env = {
      ...kafkaEnv(),
      KEYS_DIR: keysDir,
      DATA_DIR: dataDir,
    };
    const [port, connectorPort, schoolPort, policePort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const hub = run('start-hub', [], { ...env, PORT: String(port), DATABASE_URL: databaseUrl('careloop_processes') });
    const base = `http://127.0.0.1:${port}`;
    await up(`${base}/health`, 'the hub on Kafka', hub);
    expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ store: 'postgresql', bus: 'kafka' });
    const connector = run('start-connector', ['hospital'], {
      ...env,
      CONNECTOR_PORT: String(connectorPort),
      DATABASE_URL: databaseUrl('careloop_processes_hospital'),
    });
    const connectorBase = `http://127.0.0.1:${connectorPort}`;
    const school = run('start-connector', ['school'], {
      ...env,
      CONNECTOR_PORT: String(schoolPort),
      DATABASE_URL: databaseUrl('careloop_processes_school'),
    });
    const police = run('start-connector', ['public-safety'], {
      ...env,
      CONNECTOR_PORT: String(policePort),
      DATABASE_URL: databaseUrl('careloop_processes_public_safety'),
    });
    await up(`${connectorBase}/health`, 'the hospital connector', connector);
    await up(`http://127.0.0.1:${schoolPort}/health`, 'the school connector', school);
    await up(`http://127.0.0.1:${policePort}/health`, 'the public-safety connector', police);
    const referralId = await loop(base, connectorBase, keysDir, await printedKey(connector, 'hospital-kangning'));
    const schoolKey = await printedKey(school, 'school-east');
    await eventually(
      async () => {
        const inbox = (await (await fetch(`http://127.0.0.1:${schoolPort}/v1/inbox`, { headers: { authorization: `Bearer ${schoolKey}` } })).json()) as {
          items: Array<{ payload: { referralId: string; state: string } }>;
        };
        return inbox.items.some((i) => i.payload.referralId === referralId && i.payload.state === 'ACCEPTED');
      },
      { what: "ACCEPTED in the school system's inbox" },
    );
  });

  it('two hub replicas on one Kafka and PostgreSQL: a subscriber on one sees a change made through the other', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'careloop-replicas-'));
    dirs.push(dataDir);
    await createDatabases('careloop_replicas');
    const env = { ...kafkaEnv(), KEYS_DIR: join(dataDir, 'keys'), DATA_DIR: dataDir, DATABASE_URL: databaseUrl('careloop_replicas') };
    const [portA, portB] = [await freePort(), await freePort()];
    // B starts once A has migrated the database and written the development keys both share.
    const a = run('start-hub', [], { ...env, PORT: String(portA) });
    await up(`http://127.0.0.1:${portA}/health`, 'replica A', a);
    const b = run('start-hub', [], { ...env, PORT: String(portB) });
    await up(`http://127.0.0.1:${portB}/health`, 'replica B', b);
    const [baseA, baseB] = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];
    const school = token(env.KEYS_DIR, 'school-east', 'psychology-teacher');

    const created = await graphql(baseA, school, 'mutation($i: CreateReferralInput!) { createReferral(input: $i) { id state } }', {
      i: referralInput({ subjectId: 'subj-7k2m9q', reason: 'Withdrawn from friends; crisis team level 2.' }),
    });
    const id = created.data!.createReferral!.id;
    const watching = await subscribeSse(
      (request) => fetch(new Request(request.url.replace('http://hub', baseA), request)),
      school,
      'subscription($id: ID!) { referralStatusChanged(id: $id) { id state } }',
      { id },
    );
    try {
      await eventually(async () => watching.events.length >= 1, { what: 'the current state pushed first' });
      const withdrawn = await graphql(baseB, school, 'mutation($id: ID!) { withdrawReferral(id: $id, reason: "Family moved away.") { id state } }', { id });
      expect(withdrawn.errors).toBeUndefined();
      await eventually(
        async () =>
          watching.events.some((e) => (e as { data?: { referralStatusChanged?: { state: string } } }).data?.referralStatusChanged?.state === 'WITHDRAWN'),
        { what: 'WITHDRAWN pushed by replica A', timeoutMs: 15_000 },
      );
    } finally {
      await watching.close();
    }
  });

  it('production mode refuses to start without a directory, keys and data keys, and says what is missing', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'careloop-prod-'));
    dirs.push(dataDir);
    const result = spawnSync(process.execPath, [join(REPO, 'dist/start-hub.mjs')], {
      cwd: REPO,
      env: { ...process.env, CARELOOP_MODE: 'production', DATA_DIR: dataDir, PORT: '0' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('AGENCY_DIRECTORY');
    const token = spawnSync(TSX, [join(REPO, 'scripts/token.ts'), '--agency', 'school-east', '--role', 'psychology-teacher'], {
      cwd: REPO,
      env: { ...process.env, CARELOOP_MODE: 'production' },
      encoding: 'utf8',
    });
    expect(token.status).toBe(2);
  });
});
