import jose from 'node-jose';
import { CompactEncrypt, compactDecrypt, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { HUB_AGENCY_ID, SEED_AGENCIES } from '../../core/development-seed.js';
import { createEnvelopeOpener, createEnvelopeSealer, encryptionKeyOf, generateAgencyEncryptionKey } from './envelope.js';
import { publicJwk } from './agency-keys.js';
import { loadOrCreateKeyRing } from './key-ring.js';

describe('envelopes sealed to the hub', () => {
  it('open with the hub’s key for the purpose they were sealed for, and for no other', async () => {
    const key = await generateAgencyEncryptionKey(HUB_AGENCY_ID);
    const sealer = await createEnvelopeSealer(await publicJwk(key));
    const opener = await createEnvelopeOpener([key]);
    const envelope = await sealer.seal('33020320150307153X', 'signal.identity');
    expect(envelope.split('.')).toHaveLength(5);
    expect(envelope).not.toContain('330203');
    expect(await opener.open(envelope, 'signal.identity')).toBe('33020320150307153X');
    await expect(opener.open(envelope, 'signal.note')).rejects.toMatchObject({ code: 'MALFORMED_EVENT' });
  });

  it('refuse an envelope sealed to another key, a tampered one, and anything that is not a compact JWE', async () => {
    const hubKey = await generateAgencyEncryptionKey(HUB_AGENCY_ID);
    const otherKey = await generateAgencyEncryptionKey('someone-else');
    const opener = await createEnvelopeOpener([hubKey]);
    const elsewhere = await (await createEnvelopeSealer(await publicJwk(otherKey))).seal('secret', 'signal.note');
    await expect(opener.open(elsewhere, 'signal.note')).rejects.toMatchObject({ code: 'MALFORMED_EVENT' });
    const good = await (await createEnvelopeSealer(await publicJwk(hubKey))).seal('secret', 'signal.note');
    const parts = good.split('.');
    parts[3] = Buffer.from('tampered ciphertext').toString('base64url');
    await expect(opener.open(parts.join('.'), 'signal.note')).rejects.toMatchObject({ code: 'MALFORMED_EVENT' });
    for (const junk of ['', 'a.b.c', 'x'.repeat(20_000), 'a.b.c.d.e'])
      await expect(opener.open(junk, 'signal.note')).rejects.toMatchObject({ code: 'MALFORMED_EVENT' });
  });

  it('refuse unopened an envelope that asks to be decompressed, one too long for its caller, and one for another field', async () => {
    const hubKey = await generateAgencyEncryptionKey(HUB_AGENCY_ID);
    const opener = await createEnvelopeOpener([hubKey]);
    // Deflated, a megabyte of one letter is ~1 kB: opened, it would inflate in the hub's memory.
    const key = await jose.JWK.asKey(await publicJwk(hubKey));
    const bomb = await jose.JWE.createEncrypt({ format: 'compact', zip: true, fields: { 'careloop-purpose': 'signal.batch' } }, key)
      .update(Buffer.from('a'.repeat(1_000_000)))
      .final();
    expect(bomb.length).toBeLessThan(16_384);
    await expect(opener.open(bomb, 'signal.batch', { maxChars: 700_000 })).rejects.toMatchObject({
      code: 'MALFORMED_EVENT',
      message: 'An envelope may not be compressed.',
    });
    const sealer = await createEnvelopeSealer(await publicJwk(hubKey));
    const long = await sealer.seal('x'.repeat(20_000), 'signal.batch');
    await expect(opener.open(long, 'signal.batch')).rejects.toMatchObject({ code: 'MALFORMED_EVENT' });
    expect(await opener.open(long, 'signal.batch', { maxChars: 700_000 })).toHaveLength(20_000);
    await expect(opener.open(long, 'signal.note', { maxChars: 700_000 })).rejects.toMatchObject({ message: 'An envelope was sealed for another field.' });
  });

  it('interoperate: node-jose opens what jose seals, and jose opens what the hub’s key would take from any JOSE library', async () => {
    const key = await generateAgencyEncryptionKey(HUB_AGENCY_ID);
    // An agency using another library (here `jose` directly, as a police system might) seals to the published key.
    const published = await publicJwk(key);
    const foreign = await new CompactEncrypt(new TextEncoder().encode('note from elsewhere'))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: published.kid, 'careloop-purpose': 'signal.note' })
      .encrypt(await importJWK(published as never, 'ECDH-ES+A256KW'));
    expect(await (await createEnvelopeOpener([key])).open(foreign, 'signal.note')).toBe('note from elsewhere');
    const ours = await (await createEnvelopeSealer(published)).seal('round trip', 'signal.note');
    const { plaintext } = await compactDecrypt(ours, await importJWK(key as never, 'ECDH-ES+A256KW'));
    expect(new TextDecoder().decode(plaintext)).toBe('round trip');
  });

  it('are sealed to the encryption key the hub publishes in the directory, which never verifies a signature', async () => {
    const ring = await loadOrCreateKeyRing({ agencies: SEED_AGENCIES });
    const hub = ring.directory().find((a) => a.id === HUB_AGENCY_ID)!;
    const published = encryptionKeyOf(hub);
    expect(published).toMatchObject({ use: 'enc', kty: 'EC', crv: 'P-256' });
    expect(published).not.toHaveProperty('d');
    const envelope = await (await createEnvelopeSealer(published!)).seal('x', 'p');
    expect(await (await ring.opener(HUB_AGENCY_ID)).open(envelope, 'p')).toBe('x');
    // Only the hub receives envelopes; no other agency publishes an encryption key.
    expect(
      ring
        .directory()
        .filter((a) => encryptionKeyOf(a) !== null)
        .map((a) => a.id),
    ).toEqual([HUB_AGENCY_ID]);
    await expect(createEnvelopeSealer(hub.publicKeys.keys[0]!)).rejects.toThrow(/not a published encryption key/);
  });
});
