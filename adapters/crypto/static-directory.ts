import { readFile } from 'node:fs/promises';
import type { AgencyDirectory, AgencyRecord } from '../../core/ports/keys.js';

/** A directory from a fixed list: what a connector running on its own knows of the hub's registered agencies. */
export function createStaticDirectory(records: readonly AgencyRecord[]): AgencyDirectory {
  const byId = new Map(records.map((r) => [r.id, r]));
  return { find: async (id) => byId.get(id) ?? null, list: async () => [...records] };
}

/** Reads the public directory file the hub writes next to the development keys (`KEYS_DIR/directory.json`). */
export async function loadDirectoryFile(path: string): Promise<AgencyDirectory> {
  return createStaticDirectory(JSON.parse(await readFile(path, 'utf8')) as AgencyRecord[]);
}
