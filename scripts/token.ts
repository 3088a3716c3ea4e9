import { parseArgs } from 'node:util';
import { connectorAudience, mintAgencyToken } from '../adapters/crypto/agency-token.js';
import { loadOrCreateKeyRing } from '../adapters/crypto/key-ring.js';
import { systemClock } from '../core/clock.js';
import { SEED_AGENCIES } from '../core/development-seed.js';
import { ROLES_BY_AGENCY_TYPE, SYSTEM_ROLE } from '../core/identity.js';
import { loadConfig } from '../gateway/config.js';

/**
 * `npm run token -- --agency <id> --role <role> [--user <id>] [--ttl <seconds>]`: prints a development bearer
 * token, signed with the agency's key from KEYS_DIR, as the agency's own identity system would issue it.
 */
const { values } = parseArgs({
  options: { agency: { type: 'string' }, role: { type: 'string' }, user: { type: 'string' }, ttl: { type: 'string' }, connector: { type: 'boolean' } },
});
const config = loadConfig();
if (!config.development) {
  console.error('npm run token mints development tokens only; in production each agency issues tokens from its own identity system.');
  process.exit(2);
}
const agency = SEED_AGENCIES.find((a) => a.id === values.agency && a.type !== 'hub');
const roles = agency && agency.type !== 'hub' ? (values.connector ? [SYSTEM_ROLE] : ROLES_BY_AGENCY_TYPE[agency.type]) : [];
if (!agency || !values.role || !roles.includes(values.role)) {
  console.error('usage: npm run token -- --agency <id> --role <role> [--user <id>] [--ttl <seconds>]');
  console.error("       npm run token -- --agency <id> --role system --connector   (a token for that agency's connector API)\n");
  for (const a of SEED_AGENCIES.filter((x) => x.type !== 'hub')) {
    console.error(`  ${a.id.padEnd(20)} ${a.type.padEnd(17)} roles: ${ROLES_BY_AGENCY_TYPE[a.type as keyof typeof ROLES_BY_AGENCY_TYPE].join(', ')}`);
  }
  process.exit(2);
}
const keyRing = await loadOrCreateKeyRing({ agencies: SEED_AGENCIES, dir: config.keysDir });
const token = await mintAgencyToken({
  signer: await keyRing.signer(agency.id),
  userId: values.user ?? `${agency.id}-${values.role}-1`,
  role: values.role,
  clock: systemClock,
  ttlSeconds: values.ttl ? Number(values.ttl) : undefined,
  audience: values.connector ? connectorAudience(agency.id) : undefined,
});
process.stdout.write(`${token}\n`);
