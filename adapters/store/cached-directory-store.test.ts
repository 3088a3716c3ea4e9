import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../core/clock.js';
import type { AgencyRecord } from '../../core/ports/keys.js';
import { readWorkCounters } from '../metrics/work-counters.js';
import { cachedDirectoryStore } from './cached-directory-store.js';
import { migrate } from './migrate.js';
import { createPgliteClient } from './pglite-client.js';
import { createSqlDirectoryStore } from './sql-directory-store.js';

const school = (name: string): AgencyRecord => ({ id: 'school-a', type: 'school', name, districtId: 'district-1', publicKeys: { keys: [] } });

describe('the cached agency directory', async () => {
  const client = await createPgliteClient();
  await migrate(client, 'hub');
  const sql = createSqlDirectoryStore(client);
  const statements = async () => (await readWorkCounters()).sqlStatements;

  it('answers repeated lookups from memory', async () => {
    const cached = cachedDirectoryStore(sql, { clock: createManualClock() });
    await cached.upsertAgency(school('East'));
    await cached.agencies.find('school-a');
    const before = await statements();
    for (let i = 0; i < 10; i++) expect((await cached.agencies.find('school-a'))?.name).toBe('East');
    expect(await cached.agencies.find('nobody')).toBeNull();
    expect(await statements()).toBe(before);
  });

  it('sees its own change at once, another writer’s once invalidated or once the cache is older than its limit', async () => {
    const clock = createManualClock();
    const cached = cachedDirectoryStore(sql, { clock, maxAgeMs: 30_000 });
    await cached.upsertAgency(school('East'));
    expect((await cached.agencies.find('school-a'))?.name).toBe('East');

    await sql.upsertAgency(school('East No. 2')); // another replica's write
    expect((await cached.agencies.find('school-a'))?.name).toBe('East');
    cached.invalidateAgencies();
    expect((await cached.agencies.find('school-a'))?.name).toBe('East No. 2');

    await sql.upsertAgency(school('East No. 3'));
    clock.advance(30_000);
    expect((await cached.agencies.find('school-a'))?.name).toBe('East No. 3');
  });

  it('hands out records no caller can change for the others', async () => {
    const cached = cachedDirectoryStore(sql, { clock: createManualClock() });
    const record = await cached.agencies.find('school-a');
    expect(() => Object.assign(record!, { name: 'Mallory' })).toThrow(TypeError);
  });
});
