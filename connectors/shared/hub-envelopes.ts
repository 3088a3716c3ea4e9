import { createEnvelopeSealer, encryptionKeyOf } from '../../adapters/crypto/envelope.js';
import { HUB_AGENCY_ID } from '../../core/development-seed.js';
import { ServiceUnavailableError } from '../../core/errors.js';
import type { AgencyDirectory, EnvelopeSealer } from '../../core/ports/keys.js';

/**
 * Seals values for the hub with the encryption key the hub publishes in the agency directory. Looked up on first
 * use and again whenever the published key changes, so a rotated hub key is picked up without a restart.
 */
export function hubEnvelopes(directory: AgencyDirectory): EnvelopeSealer {
  let cached: { kid: string; sealer: EnvelopeSealer } | null = null;
  return {
    async seal(plain, purpose) {
      const key = encryptionKeyOf(await directory.find(HUB_AGENCY_ID));
      // Retriable: the directory may not have the hub's key yet, or it is being rotated.
      if (!key || typeof key.kid !== 'string')
        throw new ServiceUnavailableError({ cause: new Error('The hub publishes no encryption key in the agency directory.') });
      if (cached?.kid !== key.kid) cached = { kid: key.kid, sealer: await createEnvelopeSealer(key) };
      return cached.sealer.seal(plain, purpose);
    },
  };
}
