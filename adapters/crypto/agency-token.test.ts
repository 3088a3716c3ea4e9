import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../core/clock.js';
import { createAgencySigner, generateAgencySigningKey, publicJwk } from './agency-keys.js';
import { createTokenVerifier, mintAgencyToken } from './agency-token.js';
import { createStaticDirectory } from './static-directory.js';

async function agency(id: string, type: 'school' | 'hospital') {
  const key = await generateAgencySigningKey(id);
  return { record: { id, type, name: id, publicKeys: { keys: [await publicJwk(key)] } }, signer: await createAgencySigner(id, key) };
}

describe('agency tokens', async () => {
  const clock = createManualClock();
  const school = await agency('school-a', 'school');
  const hospital = await agency('hospital-a', 'hospital');
  const verifier = createTokenVerifier({ directory: createStaticDirectory([school.record, hospital.record]), clock });

  it('a token signed with the agency’s registered key proves agency, type, role and user', async () => {
    const token = await mintAgencyToken({ signer: school.signer, userId: 'teacher-7', role: 'psychology-teacher', clock });
    await expect(verifier.verify(token)).resolves.toEqual({ agencyId: 'school-a', agencyType: 'school', role: 'psychology-teacher', userId: 'teacher-7' });
  });

  it('an expired token is UNAUTHENTICATED', async () => {
    const token = await mintAgencyToken({ signer: school.signer, userId: 't', role: 'psychology-teacher', clock, ttlSeconds: 60 });
    const later = createManualClock(new Date(clock.now().getTime() + 5 * 60_000));
    const lateVerifier = createTokenVerifier({ directory: createStaticDirectory([school.record]), clock: later });
    await expect(lateVerifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'The token has expired.' });
  });

  it('a token claiming one agency but signed by another is UNAUTHENTICATED', async () => {
    const impostor = { agencyId: 'hospital-a', sign: (p: unknown) => school.signer.sign(p) };
    const token = await mintAgencyToken({ signer: impostor, userId: 'x', role: 'clinician', clock });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('a token with a tampered payload is UNAUTHENTICATED', async () => {
    const token = await mintAgencyToken({ signer: school.signer, userId: 't', role: 'class-teacher', clock });
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = [h, Buffer.from(JSON.stringify({ ...claims, role: 'psychology-teacher' })).toString('base64url'), s].join('.');
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('garbage and unknown issuers are UNAUTHENTICATED', async () => {
    await expect(verifier.verify('not-a-jwt')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const stranger = await agency('school-z', 'school');
    await expect(verifier.verify(await mintAgencyToken({ signer: stranger.signer, userId: 'x', role: 'psychology-teacher', clock }))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });
});
