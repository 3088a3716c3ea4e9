import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { AgencyDirectory, AgencyRecord } from '../../core/ports/keys.js';

/** A directory from a fixed list: what a connector running on its own knows of the hub's registered agencies. */
export function createStaticDirectory(records: readonly AgencyRecord[]): AgencyDirectory {
  const byId = new Map(records.map((r) => [r.id, r]));
  return { find: async (id) => byId.get(id) ?? null, list: async () => [...records] };
}

/** A public P-256 signing key. A private part (`d`) in the directory file is refused: it would publish the key. */
const publicKey = z
  .object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string().min(1), y: z.string().min(1), kid: z.string().min(1).max(200) })
  .catchall(z.unknown())
  .refine((k) => !('d' in k), { message: 'a directory holds public keys only' });

export const agencyDirectorySchema = z
  .array(
    z.object({
      id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/),
      type: z.enum(['school', 'hospital', 'counselling-centre', 'public-safety', 'education-bureau', 'hub']),
      name: z.string().min(1).max(200),
      districtId: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]{1,62}$/)
        .nullish(),
      publicKeys: z.object({ keys: z.array(publicKey).min(1) }),
    }),
  )
  .refine((agencies) => new Set(agencies.map((a) => a.id)).size === agencies.length, { message: 'agency ids must be unique' })
  .refine((agencies) => agencies.filter((a) => a.type === 'hub').length === 1, { message: 'exactly one agency is the hub' });

/** Reads and validates an agency directory file (the JSON list the hub registers; `KEYS_DIR/directory.json` in development). */
export async function loadDirectoryFile(path: string): Promise<AgencyRecord[]> {
  const parsed = agencyDirectorySchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`The agency directory ${path} is not valid: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}
