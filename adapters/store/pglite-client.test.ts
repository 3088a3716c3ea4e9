import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/config.js';
import { createPgliteClient, DEFAULT_SHARED_BUFFERS } from './pglite-client.js';
import type { SqlClient } from './sql-client.js';

describe('the embedded store', () => {
  it('keeps a small buffer cache unless told otherwise, since it is resident in the hub process', async () => {
    const byDefault = await createPgliteClient();
    const told = await createPgliteClient({ sharedBuffers: '8MB' });
    try {
      expect(DEFAULT_SHARED_BUFFERS).toBe('16MB');
      expect(await byDefault.query('SHOW shared_buffers')).toEqual([{ shared_buffers: '16MB' }]);
      expect(await told.query('SHOW shared_buffers')).toEqual([{ shared_buffers: '8MB' }]);
    } finally {
      await byDefault.close();
      await told.close();
    }
  });

  it('lets other work in while a queue of statements runs, since PGlite holds the thread and never waits on I/O', async () => {
    const db = await createPgliteClient();
    try {
      // Each statement holds the thread for a few milliseconds; 30 of them queue for the one connection at once.
      const statement = 'SELECT count(*)::int AS n FROM generate_series(1, 100000)';
      await db.query(statement);
      let done = 0;
      let doneWhenTimerRan = -1;
      setTimeout(() => (doneWhenTimerRan = done), 0);
      await Promise.all(Array.from({ length: 30 }, () => db.query(statement).then(() => (done += 1))));
      expect(doneWhenTimerRan).toBeGreaterThanOrEqual(0);
      expect(doneWhenTimerRan).toBeLessThan(30);
    } finally {
      await db.close();
    }
  });

  it('takes its buffer size from PGLITE_SHARED_BUFFERS, and refuses a value that is not a size', () => {
    expect(loadConfig({}).pgliteSharedBuffers).toBe('16MB');
    expect(loadConfig({ PGLITE_SHARED_BUFFERS: '64MB' }).pgliteSharedBuffers).toBe('64MB');
    expect(() => loadConfig({ PGLITE_SHARED_BUFFERS: '64MB; fsync=off' })).toThrow();
    expect(() => loadConfig({ PGLITE_SHARED_BUFFERS: 'lots' })).toThrow();
  });
});

describe('a store on disk', () => {
  it('is created on first start, opened with its settings, and keeps what was written for the next start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'careloop-pglite-'));
    try {
      const first = await createPgliteClient({ dataDir: join(dir, 'store'), sharedBuffers: '8MB' });
      await first.exec('CREATE TABLE kept (n int)');
      await first.query('INSERT INTO kept VALUES ($1)', [7]);
      expect(await first.query('SHOW shared_buffers')).toEqual([{ shared_buffers: '8MB' }]);
      await first.close();
      const next = await createPgliteClient({ dataDir: join(dir, 'store') });
      expect(await next.query('SELECT n FROM kept')).toEqual([{ n: 7 }]);
      await next.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs its preparation (the migrations) once, where the new store is made, and opens it with what they made', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'careloop-pglite-'));
    try {
      let prepared = 0;
      const prepare = async (client: SqlClient) => {
        prepared++;
        await client.transaction(async (tx) => {
          await tx.exec('CREATE TABLE made_apart (n int)');
          await tx.query('INSERT INTO made_apart VALUES ($1)', [1]);
        });
        expect(await client.query('SELECT n FROM made_apart')).toEqual([{ n: 1 }]);
      };
      const first = await createPgliteClient({ dataDir: join(dir, 'store'), prepare });
      expect(await first.query('SELECT n FROM made_apart')).toEqual([{ n: 1 }]);
      await first.close();
      const next = await createPgliteClient({ dataDir: join(dir, 'store'), prepare });
      await next.close();
      expect(prepared).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops with a clear error when the preparation fails, and leaves no store made by it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'careloop-pglite-'));
    try {
      const prepare = (client: SqlClient) =>
        client.transaction(async (tx) => {
          await tx.exec('CREATE TABLE half_made (n int)');
          await tx.exec('SELECT no_such_function()');
        });
      await expect(createPgliteClient({ dataDir: join(dir, 'store'), prepare })).rejects.toThrow('Creating the embedded store failed.');
      const reopened = await createPgliteClient({ dataDir: join(dir, 'store') });
      expect(await reopened.query(`SELECT to_regclass('half_made') AS t`)).toEqual([{ t: null }]);
      await reopened.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails cleanly when the process making the store ends mid-transaction, and leaves nothing half-made for the next start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'careloop-pglite-'));
    try {
      // The process is stopped at 1 s (the timeout) while the preparation holds a transaction open.
      const prepare = (client: SqlClient) =>
        client.transaction(async (tx) => {
          await tx.exec('CREATE TABLE half_made (n int)');
          await new Promise((resolve) => setTimeout(resolve, 2_500));
          await tx.query('SELECT 1');
        });
      await expect(createPgliteClient({ dataDir: join(dir, 'store'), prepare, createTimeoutMs: 1_000 })).rejects.toThrow('Creating the embedded store failed.');
      expect((await readdir(dir)).sort()).toEqual(['store']);
      const next = await createPgliteClient({ dataDir: join(dir, 'store') });
      expect(await next.query(`SELECT to_regclass('half_made') AS t`)).toEqual([{ t: null }]);
      await next.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says plainly that the store could not be created when its directory is not fit for one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'careloop-pglite-'));
    try {
      // A file where PostgreSQL's initdb must make its `base` directory.
      await writeFile(join(dir, 'base'), 'not a directory');
      await expect(createPgliteClient({ dataDir: dir })).rejects.toThrow('Creating the embedded store failed.');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
