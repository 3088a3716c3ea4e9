import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateAgencySigningKey, publicJwk } from '../adapters/crypto/agency-keys.js';
import { generateAgencyEncryptionKey } from '../adapters/crypto/envelope.js';
import { encryptionKeyFile } from '../adapters/crypto/key-ring.js';
import { SEED_AGENCIES } from '../core/development-seed.js';
import type { AgencyRecord } from '../core/ports/keys.js';

/**
 * `npm run deployment:init -- [--out deploy]`: what `docker-compose.yml` mounts, for trying the production-like
 * deployment on one machine: one private key per agency (each service mounts only its own), the public agency
 * directory, and one data-key ring per service. In a real deployment each agency makes its own key and sends the
 * hub only the public half; this script plays every agency.
 */
const { values } = parseArgs({ options: { out: { type: 'string', default: 'deploy' } } });
const out = values.out ?? 'deploy';
await mkdir(join(out, 'keys'), { recursive: true, mode: 0o700 });
const directory: AgencyRecord[] = [];
for (const agency of SEED_AGENCIES) {
  const key = await generateAgencySigningKey(agency.id);
  await writeFile(join(out, 'keys', `${agency.id}.private.jwk.json`), JSON.stringify(key, null, 2), { mode: 0o600 });
  const keys = [await publicJwk(key)];
  if (agency.type === 'hub') {
    // The hub alone receives envelopes (resident identity numbers, police notes), sealed to this key.
    const encryption = await generateAgencyEncryptionKey(agency.id);
    await writeFile(join(out, 'keys', encryptionKeyFile(agency.id)), JSON.stringify(encryption, null, 2), { mode: 0o600 });
    keys.push(await publicJwk(encryption));
  }
  directory.push({ ...agency, publicKeys: { keys } });
}
await writeFile(join(out, 'directory.json'), JSON.stringify(directory, null, 2));
const dataKey = () => `k1:${randomBytes(32).toString('base64')}`;
const secret = () => randomBytes(24).toString('base64url');
const env = [
  `GATEWAY_DATA_KEYS=${dataKey()}`,
  `HOSPITAL_DATA_KEYS=${dataKey()}`,
  `SCHOOL_DATA_KEYS=${dataKey()}`,
  `PUBLIC_SAFETY_DATA_KEYS=${dataKey()}`,
  `CENTRE_DATA_KEYS=${dataKey()}`,
  `KAFKA_ADMIN_PASSWORD=${secret()}`,
  `KAFKA_HUB_PASSWORD=${secret()}`,
  `KAFKA_HOSPITAL_PASSWORD=${secret()}`,
  `KAFKA_SCHOOL_PASSWORD=${secret()}`,
  `KAFKA_PUBLIC_SAFETY_PASSWORD=${secret()}`,
  `KAFKA_CENTRE_PASSWORD=${secret()}`,
  `POSTGRES_PASSWORD=${secret()}`,
  `GATEWAY_PSEUDONYM_KEYS=p1:${randomBytes(32).toString('base64')}`,
];
await writeFile(join(out, '.env'), `${env.join('\n')}\n`, { mode: 0o600 });
console.log(`Wrote ${out}/keys/*.private.jwk.json, ${out}/directory.json and ${out}/.env (docker compose --env-file ${out}/.env up).`);
