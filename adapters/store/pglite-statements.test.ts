import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteClient } from './pglite-client.js';
import { createPgliteStatements } from './pglite-statements.js';
import type { SqlClient } from './sql-client.js';

describe('statements prepared on the embedded store', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create();
    await db.exec(`CREATE TABLE kinds (id text PRIMARY KEY, n int, big bigint, at timestamptz, doc jsonb, tags text[], flag boolean, bytes bytea, note text)`);
  });
  afterAll(() => db.close());

  const prepared = (maxPrepared?: number) => {
    const statements = createPgliteStatements(db, maxPrepared ? { maxPrepared } : {});
    return { ...statements, run: <T>(sql: string, params: unknown[] = []) => db._runExclusiveQuery(() => statements.run<T>(sql, params)) };
  };

  it('writes and reads every kind of value the stores use exactly as PGlite’s own query does', async () => {
    const statements = prepared();
    const at = new Date('2026-12-03T09:30:00.123Z');
    const values = [at, { a: [1, 'two'], b: null }, ['x', 'y "quoted"', 'z,comma'], true, new Uint8Array([0, 1, 255]), null];
    await statements.run('INSERT INTO kinds VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', ['prepared', 7, '9007199254740993', ...values]);
    await db.query('INSERT INTO kinds VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', ['plain', 7, '9007199254740993', ...values]);
    const viaPrepared = await statements.run<Record<string, unknown>>('SELECT * FROM kinds WHERE id = ANY($1::text[]) ORDER BY id', [['plain', 'prepared']]);
    const viaQuery = (await db.query<Record<string, unknown>>('SELECT * FROM kinds WHERE id = ANY($1::text[]) ORDER BY id', [['plain', 'prepared']])).rows;
    expect(viaPrepared).toEqual(viaQuery);
    expect(viaPrepared.map((r) => ({ ...r, id: undefined }))).toEqual([viaPrepared[0], viaPrepared[0]].map((r) => ({ ...r, id: undefined })));
    expect(viaPrepared[1]).toMatchObject({
      n: 7,
      big: 9007199254740993n,
      at,
      doc: { a: [1, 'two'], b: null },
      tags: ['x', 'y "quoted"', 'z,comma'],
      flag: true,
      note: null,
    });
  });

  it('parses and plans a text once, however often it runs', async () => {
    const statements = prepared();
    const count = async () => Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements')).rows[0]!.n);
    const before = await count();
    for (let i = 0; i < 5; i++) expect(await statements.run('SELECT $1::int + 1 AS next', [i])).toEqual([{ next: i + 1 }]);
    expect(await count()).toBe(before + 1);
  });

  it('closes the least recently used statement once more are prepared than it keeps', async () => {
    const statements = prepared(2);
    const names = async () => (await db.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements')).rows.map((r) => r.statement);
    const before = (await names()).length;
    await statements.run('SELECT 1 AS one');
    await statements.run('SELECT 2 AS two');
    await statements.run('SELECT 1 AS one');
    await statements.run('SELECT 3 AS three');
    // The eviction is sent with the next round trip: this one.
    expect(await statements.run('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    const kept = await names();
    expect(kept.length - before).toBe(2);
    expect(kept.some((text) => text.includes('SELECT 2 AS two'))).toBe(false);
    expect(kept.some((text) => text.includes('SELECT 1 AS one'))).toBe(true);
  });

  it('throws the database’s own error, with its code, and goes on preparing after a text that does not parse', async () => {
    const statements = prepared();
    await expect(statements.run('SELEC nothing')).rejects.toMatchObject({ code: '42601' });
    await statements.run('INSERT INTO kinds (id) VALUES ($1)', ['twice']);
    await expect(statements.run('INSERT INTO kinds (id) VALUES ($1)', ['twice'])).rejects.toMatchObject({ code: '23505' });
    expect(await statements.run('SELECT id FROM kinds WHERE id = $1', ['twice'])).toEqual([{ id: 'twice' }]);
  });
});

describe('the embedded store’s client on prepared statements', () => {
  let client: SqlClient;
  beforeAll(async () => {
    client = await createPgliteClient();
    await client.exec('CREATE TABLE items (id int PRIMARY KEY, label text)');
  });
  afterAll(() => client.close());

  it('reads a table’s new column once the schema changed, through a statement prepared before', async () => {
    await client.query('INSERT INTO items VALUES ($1, $2)', [1, 'one']);
    expect(await client.query('SELECT * FROM items WHERE id = $1', [1])).toEqual([{ id: 1, label: 'one' }]);
    await client.exec('ALTER TABLE items ADD COLUMN extra text');
    expect(await client.query('SELECT * FROM items WHERE id = $1', [1])).toEqual([{ id: 1, label: 'one', extra: null }]);
    await client.query('ALTER TABLE items DROP COLUMN extra');
    expect(await client.query('SELECT * FROM items WHERE id = $1', [1])).toEqual([{ id: 1, label: 'one' }]);
  });

  it('keeps a statement outside a transaction out of it: it waits for the commit, and a rollback keeps what it prepared', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const inside = client.transaction(async (tx) => {
      await tx.query('INSERT INTO items VALUES ($1, $2)', [2, 'two']);
      await held;
      throw new Error('rolled back on purpose');
    });
    const outside = client.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE id = $1', [2]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await expect(inside).rejects.toThrow('rolled back on purpose');
    // Had it run inside the open transaction, it would have counted the row the rollback took away.
    expect(await outside).toEqual([{ n: 0 }]);
    expect(await client.query('SELECT count(*)::int AS n FROM items WHERE id = $1', [2])).toEqual([{ n: 0 }]);
    await client.transaction(async (tx) => {
      await tx.query('INSERT INTO items VALUES ($1, $2)', [2, 'two']);
    });
    expect(await client.query('SELECT label FROM items WHERE id = $1', [2])).toEqual([{ label: 'two' }]);
  });
});
