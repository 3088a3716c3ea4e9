import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../core/clock.js';
import type { AgencyRecord } from '../../core/ports/keys.js';
import { readWorkCounters } from '../metrics/work-counters.js';
import { createAgencySigner, generateAgencySigningKey, publicJwk } from './agency-keys.js';
import { connectorAudience, createTokenVerifier, mintAgencyToken } from './agency-token.js';
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
    await expect(verifier.verify(token)).resolves.toEqual({
      principal: { agencyId: 'school-a', agencyType: 'school', districtId: null, role: 'psychology-teacher', userId: 'teacher-7' },
      expiresAt: new Date(clock.now().getTime() + 3600_000),
    });
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
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
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

  it('a token that lives longer than the maximum lifetime is UNAUTHENTICATED even while valid', async () => {
    const token = await mintAgencyToken({ signer: school.signer, userId: 't', role: 'psychology-teacher', clock, ttlSeconds: 8 * 3600 });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'The token lives longer than 3600 seconds.' });
    const longer = createTokenVerifier({ directory: createStaticDirectory([school.record]), clock, maxLifetimeSeconds: 8 * 3600 });
    await expect(longer.verify(token)).resolves.toMatchObject({ principal: { agencyId: 'school-a' } });
  });

  it('a token issued in the future, or not valid until after it expires, is UNAUTHENTICATED', async () => {
    const now = Math.floor(clock.now().getTime() / 1000);
    const future = await mintAgencyToken({ signer: school.signer, userId: 't', role: 'psychology-teacher', clock, issuedAt: now + 600 });
    await expect(verifier.verify(future)).rejects.toMatchObject({ message: 'The token was issued in the future.' });
    const nbfAfterExp = await mintAgencyToken({ signer: school.signer, userId: 't', role: 'psychology-teacher', clock, ttlSeconds: 60, notBefore: now + 120 });
    await expect(verifier.verify(nbfAfterExp)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('an agency may mint only the person roles of its type: no system, no role of another type', async () => {
    for (const role of ['system', 'hospital-liaison', 'police-analyst', 'admin']) {
      const token = await mintAgencyToken({ signer: school.signer, userId: 't', role, clock });
      await expect(verifier.verify(token), role).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
        message: 'The token carries a role its agency may not issue here.',
      });
    }
    const liaison = await mintAgencyToken({ signer: hospital.signer, userId: 'h', role: 'hospital-liaison', clock });
    await expect(verifier.verify(liaison)).resolves.toMatchObject({ principal: { role: 'hospital-liaison' } });
  });

  it('a connector takes only its own agency system, with the connector audience', async () => {
    const forConnector = createTokenVerifier({
      directory: createStaticDirectory([school.record, hospital.record]),
      clock,
      audience: connectorAudience('hospital-a'),
      accepts: { systemOf: 'hospital-a' },
    });
    const own = await mintAgencyToken({ signer: hospital.signer, userId: 'his-1', role: 'system', clock, audience: connectorAudience('hospital-a') });
    await expect(forConnector.verify(own)).resolves.toMatchObject({ principal: { agencyId: 'hospital-a', role: 'system' } });
    const otherAgency = await mintAgencyToken({ signer: school.signer, userId: 'x', role: 'system', clock, audience: connectorAudience('hospital-a') });
    await expect(forConnector.verify(otherAgency)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const hubToken = await mintAgencyToken({ signer: hospital.signer, userId: 'h', role: 'hospital-liaison', clock });
    await expect(forConnector.verify(hubToken)).rejects.toMatchObject({ message: 'The token is not meant for this door.' });
    await expect(verifier.verify(own)).rejects.toMatchObject({ message: 'The token is not meant for this door.' });
  });

  it('verifies a token’s signature once, yet still checks its time on every request', async () => {
    const clock = createManualClock();
    const cached = createTokenVerifier({ directory: createStaticDirectory([school.record]), clock });
    const token = await mintAgencyToken({ signer: school.signer, userId: 't', role: 'psychology-teacher', clock, ttlSeconds: 600 });
    await cached.verify(token);
    const before = (await readWorkCounters()).jwsVerified;
    for (let i = 0; i < 5; i++) await cached.verify(token);
    expect((await readWorkCounters()).jwsVerified).toBe(before);
    clock.advance(12 * 60_000);
    await expect(cached.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'The token has expired.' });
  });

  it('refuses a remembered token at once when its key is no longer registered to the issuer', async () => {
    const records = new Map<string, AgencyRecord>([['school-a', school.record]]);
    const directory = { find: async (id: string) => records.get(id) ?? null, list: async () => [...records.values()] };
    const cached = createTokenVerifier({ directory, clock });
    const token = await mintAgencyToken({ signer: school.signer, userId: 't', role: 'psychology-teacher', clock });
    await cached.verify(token);
    const rotated = await agency('school-a', 'school'); // the school replaced its key; the old one is revoked
    records.set('school-a', rotated.record);
    await expect(cached.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
