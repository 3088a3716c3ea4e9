import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * A ring of symmetric keys by id, the first (active) one used for new work and all of them for old: how the data
 * keys (`DATA_KEYS`) and the pseudonym keys (`PSEUDONYM_KEYS`) are configured and rotated.
 */
export interface KeyList {
  keys: Record<string, Buffer>;
  activeKeyId: string;
}

export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Parses `<id>:<base64>[,<id>:<base64>...]` from `variable`; the first key is the active one. Never echoes a key. */
export function parseKeyList(value: string, variable: string, fail: (message: string) => Error): KeyList {
  const keys: Record<string, Buffer> = {};
  const ids: string[] = [];
  for (const part of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const colon = part.indexOf(':');
    if (colon < 1) throw fail(`${variable} entries are <id>:<base64 key>.`);
    const id = part.slice(0, colon);
    keys[id] = Buffer.from(part.slice(colon + 1), 'base64');
    ids.push(id);
  }
  const active = ids[0];
  if (!active) throw fail(`${variable} holds no key.`);
  return { keys, activeKeyId: active };
}

const keyFile = z.object({ activeKeyId: z.string().regex(KEY_ID), keys: z.record(z.string().regex(KEY_ID), z.string()) });

/** Development only: a key list kept as `fileName` beside the development keys, with one 32-byte key made on first start. */
export async function loadOrCreateDevelopmentKeyList(dir: string, fileName: string): Promise<KeyList> {
  const file = join(dir, fileName);
  if (!existsSync(file)) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const id = `dev-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
    await writeFile(file, JSON.stringify({ activeKeyId: id, keys: { [id]: randomBytes(32).toString('base64') } }, null, 2), { mode: 0o600 });
  }
  const parsed = keyFile.parse(JSON.parse(await readFile(file, 'utf8')));
  return {
    activeKeyId: parsed.activeKeyId,
    keys: Object.fromEntries(Object.entries(parsed.keys).map(([id, k]) => [id, Buffer.from(k, 'base64')])),
  };
}
