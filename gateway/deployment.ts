import { join } from 'node:path';
import { loadOrCreateDevelopmentDataKeys, parseDataKeys, type DataCipher } from '../adapters/crypto/data-cipher.js';
import { loadOrCreateDevelopmentPseudonymKeys, parsePseudonymKeys } from '../adapters/crypto/identity-pseudonymiser.js';
import type { IdentityPseudonymiser } from '../core/ports/identity-linkage.js';
import { loadKeyRing, loadOrCreateKeyRing, type KeyRing } from '../adapters/crypto/key-ring.js';
import { loadDirectoryFile } from '../adapters/crypto/static-directory.js';
import { HUB_AGENCY_ID, SEED_AGENCIES } from '../core/development-seed.js';
import type { AgencyRecord } from '../core/ports/keys.js';
import type { CareloopConfig } from './config.js';

/** Why a process refuses to start: said once, plainly, with what to configure. */
export class DeploymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeploymentError';
  }
}

export interface Deployment {
  development: boolean;
  keyRing: KeyRing;
  agencies: AgencyRecord[];
  cipher: DataCipher;
  /** The hub's keyed digests of resident identity numbers; null in a process that does not act for the hub. */
  pseudonymiser: IdentityPseudonymiser | null;
  /** Development only: invented students to try the hub with. Production never seeds. */
  seed: boolean;
  /** Where connector API key hashes live. */
  connectorKeysDir: string;
}

/**
 * Turns configuration into keys, directory and data keys for one process. Development generates what is
 * missing (one machine plays every agency) and seeds invented students; production only loads, and refuses to
 * start without a configured directory, the private keys this process acts with and data keys.
 *
 * @param actsFor the agencies whose private keys this process needs: the hub, or one connector's agency (plus,
 *   for an embedded deployment, every connector it runs).
 */
export async function resolveDeployment(config: CareloopConfig, actsFor: (agencies: AgencyRecord[]) => string[]): Promise<Deployment> {
  const connectorKeysDir = join(config.dataDir, 'connector-keys');
  if (config.development) {
    const keyRing = await loadOrCreateKeyRing({ agencies: SEED_AGENCIES, dir: config.keysDir });
    const cipher = config.dataKeys ? parseDataKeys(config.dataKeys) : await loadOrCreateDevelopmentDataKeys(config.keysDir);
    const pseudonymiser = config.pseudonymKeys ? parsePseudonymKeys(config.pseudonymKeys) : await loadOrCreateDevelopmentPseudonymKeys(config.keysDir);
    return { development: true, keyRing, agencies: keyRing.directory(), cipher, pseudonymiser, seed: true, connectorKeysDir };
  }
  if (!config.agencyDirectory) throw new DeploymentError('Production mode needs AGENCY_DIRECTORY: the JSON file of registered agencies and their public keys.');
  if (!config.dataKeys) throw new DeploymentError('Production mode needs DATA_KEYS: the data keys that encrypt sensitive text at rest.');
  const agencies = await loadDirectoryFile(config.agencyDirectory).catch((error: unknown) => {
    throw new DeploymentError(error instanceof Error ? error.message : 'The agency directory cannot be read.');
  });
  if (!agencies.some((a) => a.id === HUB_AGENCY_ID && a.type === 'hub'))
    throw new DeploymentError(`The agency directory must register the hub as ${HUB_AGENCY_ID}.`);
  const keyRing = await loadKeyRing({ dir: config.keysDir, agencyIds: actsFor(agencies), directory: agencies }).catch((error: unknown) => {
    throw new DeploymentError(error instanceof Error ? error.message : 'The private keys cannot be read.');
  });
  const actsForHub = actsFor(agencies).includes(HUB_AGENCY_ID);
  if (actsForHub && !config.pseudonymKeys)
    throw new DeploymentError('Production mode needs PSEUDONYM_KEYS: the keys that turn resident identity numbers into pseudonyms.');
  const pseudonymiser = actsForHub && config.pseudonymKeys ? parsePseudonymKeys(config.pseudonymKeys) : null;
  return { development: false, keyRing, agencies, cipher: parseDataKeys(config.dataKeys), pseudonymiser, seed: false, connectorKeysDir };
}
