import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgencyRecord, AgencySigner, EnvelopeOpener, Jwk } from '../../core/ports/keys.js';
import { createAgencySigner, generateAgencySigningKey, publicJwk } from './agency-keys.js';
import { createEnvelopeOpener, generateAgencyEncryptionKey } from './envelope.js';

/**
 * Development key ring: one signing key per seeded agency, generated on first start and kept under
 * `KEYS_DIR` (default `./data/keys`). In production each agency keeps its own private key and registers only
 * the public one with the hub; here one machine plays every agency, so it holds them all.
 */
export interface KeyRing {
  signer(agencyId: string): Promise<AgencySigner>;
  /** Opens envelopes sealed to an agency that receives them (the hub: identity numbers and police notes). */
  opener(agencyId: string): Promise<EnvelopeOpener>;
  /** The public directory entries, as the hub registers them. */
  directory(): AgencyRecord[];
}

type AgencyInfo = { id: string; type: AgencyRecord['type']; name: string; districtId?: string | null };

/** The file of an agency's private encryption key: only the hub has one today (agencies seal envelopes to it). */
export const encryptionKeyFile = (agencyId: string) => `${agencyId}.encryption.private.jwk.json`;

async function loadOrCreateJwk(file: string | null, make: () => Promise<Jwk>): Promise<Jwk> {
  if (file && existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as Jwk;
  const key = await make();
  if (file) await writeFile(file, JSON.stringify(key, null, 2), { mode: 0o600 });
  return key;
}

export async function loadOrCreateKeyRing(options: { agencies: readonly AgencyInfo[]; dir?: string }): Promise<KeyRing> {
  const privateKeys = new Map<string, Jwk>();
  if (options.dir) await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const encryptionKeys = new Map<string, Jwk>();
  for (const agency of options.agencies) {
    const at = (name: string) => (options.dir ? join(options.dir, name) : null);
    privateKeys.set(agency.id, await loadOrCreateJwk(at(`${agency.id}.private.jwk.json`), () => generateAgencySigningKey(agency.id)));
    if (agency.type === 'hub')
      encryptionKeys.set(agency.id, await loadOrCreateJwk(at(encryptionKeyFile(agency.id)), () => generateAgencyEncryptionKey(agency.id)));
  }
  const records: AgencyRecord[] = [];
  for (const agency of options.agencies) {
    const encryption = encryptionKeys.get(agency.id);
    const keys = [await publicJwk(privateKeys.get(agency.id) as Jwk), ...(encryption ? [await publicJwk(encryption)] : [])];
    records.push({ ...agency, publicKeys: { keys } });
  }
  if (options.dir) await writeFile(join(options.dir, 'directory.json'), JSON.stringify(records, null, 2));
  return {
    async signer(agencyId) {
      const key = privateKeys.get(agencyId);
      if (!key) throw new Error(`No signing key for agency ${agencyId} in this key ring.`);
      return createAgencySigner(agencyId, key);
    },
    async opener(agencyId) {
      const key = encryptionKeys.get(agencyId);
      if (!key) throw new Error(`No encryption key for agency ${agencyId} in this key ring.`);
      return createEnvelopeOpener([key]);
    },
    directory: () => records,
  };
}

/**
 * Production: private keys are only ever loaded, never made. Each process gets the keys of the agencies it acts
 * for (the gateway the hub's; a connector its own agency's; nothing else is mounted), and the public directory
 * comes from the configured directory file.
 */
export async function loadKeyRing(options: { dir: string; agencyIds: readonly string[]; directory: readonly AgencyRecord[] }): Promise<KeyRing> {
  const signers = new Map<string, AgencySigner>();
  for (const agencyId of options.agencyIds) {
    const file = join(options.dir, `${agencyId}.private.jwk.json`);
    if (!existsSync(file)) throw new Error(`No private key for ${agencyId} in KEYS_DIR (expected ${agencyId}.private.jwk.json).`);
    const key = JSON.parse(await readFile(file, 'utf8')) as Jwk;
    const published = options.directory.find((a) => a.id === agencyId)?.publicKeys.keys ?? [];
    if (!published.some((k) => k.kid === key.kid)) throw new Error(`The private key of ${agencyId} is not registered in the agency directory.`);
    signers.set(agencyId, await createAgencySigner(agencyId, key));
  }
  const openers = new Map<string, EnvelopeOpener>();
  for (const agency of options.directory.filter((a) => a.type === 'hub' && options.agencyIds.includes(a.id))) {
    const file = join(options.dir, encryptionKeyFile(agency.id));
    if (!existsSync(file)) throw new Error(`No encryption key for ${agency.id} in KEYS_DIR (expected ${encryptionKeyFile(agency.id)}).`);
    const key = JSON.parse(await readFile(file, 'utf8')) as Jwk;
    if (!agency.publicKeys.keys.some((k) => k.kid === key.kid && k.use === 'enc'))
      throw new Error(`The encryption key of ${agency.id} is not registered in the agency directory.`);
    openers.set(agency.id, await createEnvelopeOpener([key]));
  }
  return {
    async opener(agencyId) {
      const opener = openers.get(agencyId);
      if (!opener) throw new Error(`This process holds no encryption key for agency ${agencyId}.`);
      return opener;
    },
    async signer(agencyId) {
      const signer = signers.get(agencyId);
      if (!signer) throw new Error(`This process holds no signing key for agency ${agencyId}.`);
      return signer;
    },
    directory: () => [...options.directory],
  };
}
