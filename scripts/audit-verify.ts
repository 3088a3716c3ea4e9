import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDirectoryFile } from '../adapters/crypto/static-directory.js';
import { createPgClient } from '../adapters/store/pg-client.js';
import { createPgliteClient } from '../adapters/store/pglite-client.js';
import { verifyStoredAuditChain } from '../adapters/store/sql-audit-chain.js';
import { HUB_AGENCY_ID } from '../core/development-seed.js';
import { loadConfig } from '../gateway/config.js';

/**
 * `npm run audit:verify`: walks the hub's disclosure audit chain (DATABASE_URL, or the PGlite store in DATA_DIR)
 * and says where it was edited, cut, reordered or rewritten. The hub's public key comes from the configured agency
 * directory (AGENCY_DIRECTORY, or the development directory in KEYS_DIR), never from the database being checked.
 * Exit status 0 when the chain is whole, 1 when it is not, 2 when it cannot be read.
 */
const config = loadConfig();
const directoryFile = config.agencyDirectory ?? join(config.keysDir, 'directory.json');
if (!existsSync(directoryFile)) {
  console.error(`audit:verify needs the agency directory with the hub's public key: ${directoryFile} does not exist (set AGENCY_DIRECTORY).`);
  process.exit(2);
}
const hub = (await loadDirectoryFile(directoryFile)).find((a) => a.id === HUB_AGENCY_ID);
if (!hub) {
  console.error(`The agency directory registers no ${HUB_AGENCY_ID}.`);
  process.exit(2);
}
const client = config.databaseUrl
  ? createPgClient({ connectionString: config.databaseUrl })
  : await createPgliteClient({ dataDir: join(config.dataDir, 'pglite'), sharedBuffers: config.pgliteSharedBuffers });
try {
  const report = await verifyStoredAuditChain(client, hub.publicKeys);
  for (const problem of report.problems) console.log(`${problem.kind} at entry ${problem.seq}: ${problem.message}`);
  const summary = `${report.entries} entries in the chain up to entry ${report.head.seq}, ${report.checkpoints} signed checkpoints`;
  const legacy = report.unchained > 0 ? `; ${report.unchained} entries from before the chain cannot be verified` : '';
  if (report.problems.length === 0) console.log(`audit chain intact: ${summary}${legacy}.`);
  else console.log(`audit chain BROKEN: ${report.problems.length} problem(s); ${summary}${legacy}.`);
  process.exitCode = report.problems.length === 0 ? 0 : 1;
} finally {
  await client.close();
}
