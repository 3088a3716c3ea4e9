import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createEnvelopeSealer, encryptionKeyOf } from '../adapters/crypto/envelope.js';
import { HUB_AGENCY_ID } from '../core/development-seed.js';
import { loadConfig } from './config.js';
import { DeploymentError, resolveDeployment } from './deployment.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));

describe('a production deployment as npm run deployment:init lays it out', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  async function initialised() {
    const out = await mkdtemp(join(tmpdir(), 'careloop-deploy-'));
    dirs.push(out);
    const result = spawnSync(join(REPO, 'node_modules/.bin/tsx'), [join(REPO, 'scripts/init-deployment.ts'), '--out', out], { cwd: REPO, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const env = Object.fromEntries(
      (await readFile(join(out, '.env'), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const hubEnv = {
      CARELOOP_MODE: 'production',
      AGENCY_DIRECTORY: join(out, 'directory.json'),
      KEYS_DIR: join(out, 'keys'),
      DATA_DIR: out,
      DATA_KEYS: env.GATEWAY_DATA_KEYS!,
      PSEUDONYM_KEYS: env.GATEWAY_PSEUDONYM_KEYS!,
    };
    return { out, hubEnv };
  }

  it('gives the gateway its pseudonym keys and the hub an encryption key that agencies seal to and only the hub opens', async () => {
    const { hubEnv } = await initialised();
    const deployment = await resolveDeployment(loadConfig(hubEnv), () => [HUB_AGENCY_ID]);
    expect(deployment.pseudonymiser).not.toBeNull();
    const hub = deployment.agencies.find((a) => a.id === HUB_AGENCY_ID)!;
    const envelope = await (await createEnvelopeSealer(encryptionKeyOf(hub)!)).seal('sealed for the hub', 'p');
    expect(await (await deployment.keyRing.opener(HUB_AGENCY_ID)).open(envelope, 'p')).toBe('sealed for the hub');
    // A connector's process holds its own signing key and no way to open what is sealed to the hub.
    const connector = await resolveDeployment(loadConfig({ ...hubEnv, PSEUDONYM_KEYS: '' }), () => ['school-east']);
    expect(connector.pseudonymiser).toBeNull();
    await expect(connector.keyRing.opener(HUB_AGENCY_ID)).rejects.toThrow(/no encryption key/);
  });

  it('refuses to start the gateway without PSEUDONYM_KEYS, and says which variable', async () => {
    const { hubEnv } = await initialised();
    const attempt = resolveDeployment(loadConfig({ ...hubEnv, PSEUDONYM_KEYS: '' }), () => [HUB_AGENCY_ID]);
    await expect(attempt).rejects.toBeInstanceOf(DeploymentError);
    await expect(attempt).rejects.toThrow(/PSEUDONYM_KEYS/);
  });
});
