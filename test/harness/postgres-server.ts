import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';
import { reapOnExit } from './reap-on-exit.js';

export interface PostgresServer {
  url: string;
  stop(): Promise<void>;
  /** Stops the server (cutting every connection), keeps it down for `downForMs`, starts it again on the same port and data. */
  restart(downForMs?: number): Promise<void>;
}

/** The newest Debian PostgreSQL server binaries on this machine. */
function findBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('No PostgreSQL server found under /usr/lib/postgresql/*/bin: run bash scripts/ensure-postgres.sh (npm test does).');
  return join(root, newest, 'bin');
}

/** initdb and postgres refuse to run as root; as root, the harness runs them as the `postgres` system user. */
function asServerUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  if (uid.status !== 0) throw new Error('Running as root, the harness needs the `postgres` system user (Debian creates it with the postgresql package).');
  return { uid: Number(uid.stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

/** Creates an empty database `name` on the server at `serverUrl` (any database's URL on it); the new database's URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Starts a throw-away PostgreSQL cluster on a free loopback port (trust auth, fsync off: test data only) and
 * creates the `careloop_test` database. Fails loudly, never skips, when no server is installed.
 */
export async function startPostgresServer(
  options: {
    /** Loads pg_stat_statements (benches: PostgreSQL's time by statement); a database then runs `CREATE EXTENSION`. */
    statementStats?: boolean;
  } = {},
): Promise<PostgresServer> {
  const bin = findBinDir();
  const user = asServerUser();
  const dir = await mkdtemp(join(tmpdir(), 'careloop-pg-'));
  const data = join(dir, 'data');
  if (user) {
    await chmod(dir, 0o755);
    await chown(dir, user.uid, user.gid);
  }
  const run: SpawnSyncOptions = { encoding: 'utf8', ...(user ?? {}) };
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'careloop', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], run);
  if (init.status !== 0) throw new Error(`initdb failed:\n${String(init.stdout)}\n${String(init.stderr)}`);

  const port = await freePort();
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=100',
    ...(options.statementStats ? ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=top'] : []),
  ];
  let stderr = '';
  const launch = () => {
    const started = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], ...(user ?? {}) });
    started.stderr?.on('data', (chunk) => (stderr = (stderr + String(chunk)).slice(-4000)));
    return started;
  };
  let child = launch();

  const halt = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT'); // "fast" shutdown: open connections are cut, as in a real restart
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const forgetReap = reapOnExit(() => child, dir);
  const stop = async () => {
    await halt();
    await rm(dir, { recursive: true, force: true });
    forgetReap();
  };
  const waitReady = async (work: (client: pg.Client) => Promise<unknown>) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`PostgreSQL exited with code ${child.exitCode}:\n${stderr}`);
      const client = new pg.Client({ connectionString: admin });
      try {
        await client.connect();
        await work(client);
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (Date.now() > deadline) {
          await stop();
          throw new Error(`PostgreSQL was not ready within 30 s (${String(error)}):\n${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };

  const admin = `postgres://careloop@127.0.0.1:${port}/postgres`;
  await waitReady((client) => client.query('CREATE DATABASE careloop_test'));
  return {
    url: `postgres://careloop@127.0.0.1:${port}/careloop_test`,
    stop,
    async restart(downForMs = 0) {
      await halt();
      await new Promise((r) => setTimeout(r, downForMs));
      child = launch();
      await waitReady((client) => client.query('SELECT 1'));
    },
  };
}
