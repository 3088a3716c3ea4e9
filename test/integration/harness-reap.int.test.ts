import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { expect, it } from 'vitest';

/** Starts a PostgreSQL server through the harness, says where it listens, and exits without stopping it. */
const ABANDONS_A_SERVER = `
  const { startPostgresServer } = await import(${JSON.stringify(fileURLToPath(new URL('../harness/postgres-server.ts', import.meta.url)))});
  const server = await startPostgresServer();
  process.stdout.write(JSON.stringify({ url: server.url }) + '\\n');
  process.exit(0);
`;

const serverDirs = () => new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('careloop-pg-')));

it('a server the harness started does not outlive a process that exits without stopping it, nor does its directory', async () => {
  const before = serverDirs();
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ABANDONS_A_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(0);
  // The harness waited until the server answered; once its parent is gone, nothing listens on its port.
  const { url } = JSON.parse(out.trim().split('\n').at(-1)!) as { url: string };
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await expect(client.connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  await client.end().catch(() => undefined);
  expect([...serverDirs()].filter((name) => !before.has(name))).toEqual([]);
});
