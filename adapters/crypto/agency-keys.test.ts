import jose from 'node-jose';
import { describe, expect, it } from 'vitest';
import { createAgencySigner, generateAgencySigningKey, publicJwk, SIGNING_ALGORITHM, verifyAgencyJws } from './agency-keys.js';
import { generateAgencyEncryptionKey } from './envelope.js';

describe('agency signatures on the node:crypto hot path', () => {
  it('what the hub signs is a standard ES256 compact JWS that node-jose verifies', async () => {
    const key = await generateAgencySigningKey('school-east');
    const signed = await (await createAgencySigner('school-east', key)).sign({ referralId: 'r-1', n: 1 });
    const keystore = await jose.JWK.asKeyStore({ keys: [await publicJwk(key)] });
    const verified = await jose.JWS.createVerify(keystore, { algorithms: [SIGNING_ALGORITHM] }).verify(signed);
    expect(JSON.parse(verified.payload.toString('utf8'))).toEqual({ referralId: 'r-1', n: 1 });
    expect(verified.header).toMatchObject({ alg: 'ES256', kid: key.kid });
  });

  it('a JWS another JOSE library signed verifies here', async () => {
    const key = await generateAgencySigningKey('hospital-kangning');
    const external = (await jose.JWS.createSign({ format: 'compact', fields: { alg: 'ES256', kid: key.kid } }, await jose.JWK.asKey(key))
      .update(JSON.stringify({ status: 'accepted' }), 'utf8')
      .final()) as unknown as string;
    expect(await verifyAgencyJws(external, 'hospital-kangning', { keys: [await publicJwk(key)] })).toEqual({ status: 'accepted' });
  });

  it('a changed payload, a changed or truncated signature, or another agency’s key is refused with a typed error', async () => {
    const key = await generateAgencySigningKey('school-east');
    const keys = { keys: [await publicJwk(key)] };
    const signed = await (await createAgencySigner('school-east', key)).sign({ state: 'SENT' });
    const [header, payload, signature] = signed.split('.') as [string, string, string];
    const forgedPayload = Buffer.from(JSON.stringify({ state: 'CLOSED' })).toString('base64url');
    const flipped = Buffer.from(signature, 'base64url');
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    for (const forged of [
      `${header}.${forgedPayload}.${signature}`,
      `${header}.${payload}.${flipped.toString('base64url')}`,
      `${header}.${payload}.${signature.slice(0, 40)}`,
      `${header}.${payload}.`,
    ]) {
      await expect(verifyAgencyJws(forged, 'school-east', keys)).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
    }
    const rogue = await (await createAgencySigner('school-east', await generateAgencySigningKey('school-east'))).sign({ state: 'SENT' });
    await expect(verifyAgencyJws(rogue, 'school-east', keys)).rejects.toMatchObject({ code: 'WRONG_SIGNER' });
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: key.kid })).toString('base64url')}.${payload}.`;
    await expect(verifyAgencyJws(none, 'school-east', keys)).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
  });

  it('a signature made with an agency’s published encryption key is not accepted as the agency’s signature', async () => {
    const signing = await generateAgencySigningKey('careloop-hub');
    const encryption = await generateAgencyEncryptionKey('careloop-hub');
    const forged = await (await createAgencySigner('careloop-hub', encryption)).sign({ claim: 'from the hub' });
    await expect(verifyAgencyJws(forged, 'careloop-hub', { keys: [await publicJwk(signing), await publicJwk(encryption)] })).rejects.toMatchObject({
      code: 'WRONG_SIGNER',
    });
  });
});
