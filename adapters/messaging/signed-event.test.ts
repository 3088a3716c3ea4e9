import { describe, expect, it } from 'vitest';
import { REFERRAL_EVENT_TYPES } from '../../core/referral/referral-events.js';
import { createAgencySigner, generateAgencySigningKey, publicJwk } from '../crypto/agency-keys.js';
import { createStaticDirectory } from '../crypto/static-directory.js';
import { createSignedEvent, verifySignedEvent } from './signed-event.js';

/** A message's envelope as JSON, with its data (the JWS) typed. */
const envelopeOf = (value: string) => JSON.parse(value) as Record<string, unknown> & { data: string };

describe('signed CloudEvents', async () => {
  const hospitalKey = await generateAgencySigningKey('hospital-a');
  const schoolKey = await generateAgencySigningKey('school-a');
  const directory = createStaticDirectory([
    { id: 'hospital-a', type: 'hospital', name: 'H', publicKeys: { keys: [await publicJwk(hospitalKey)] } },
    { id: 'school-a', type: 'school', name: 'S', publicKeys: { keys: [await publicJwk(schoolKey)] } },
  ]);
  const data = { referralId: 'r1', action: 'ACCEPT', reportedBy: 'dr-lin', reportedVia: 'api-key:k1', reportedAt: '2026-11-23T08:00:00.000Z' };
  const make = async (signerKey = hospitalKey, claimedAgency = 'hospital-a', payload: unknown = data) => {
    const real = await createAgencySigner(claimedAgency, signerKey);
    return createSignedEvent({
      signer: real,
      type: REFERRAL_EVENT_TYPES.hospitalReport,
      subject: 'r1',
      recipient: 'careloop-hub',
      data: payload,
      time: new Date('2026-11-23T08:00:00Z'),
      correlationId: 'c-1',
    });
  };

  it('round-trips a CloudEvents 1.0 envelope whose data is the producing agency’s JWS', async () => {
    const message = await make();
    const envelope = envelopeOf(message.value);
    expect(envelope).toMatchObject({
      specversion: '1.0',
      type: REFERRAL_EVENT_TYPES.hospitalReport,
      source: 'urn:careloop:agency:hospital-a',
      datacontenttype: 'application/jose',
      recipient: 'careloop-hub',
    });
    expect(envelope.data.split('.')).toHaveLength(3);
    const verified = await verifySignedEvent(message.value, directory);
    expect(verified).toMatchObject({ agencyId: 'hospital-a', recipient: 'careloop-hub', subject: 'r1', correlationId: 'c-1', data });
  });

  it('rejects a forged signature as INVALID_SIGNATURE', async () => {
    const message = await make();
    const envelope = envelopeOf(message.value);
    const [h, p] = envelope.data.split('.');
    const other = envelopeOf((await make()).value).data.split('.')[2] ?? '';
    const forged = JSON.stringify({ ...envelope, data: [h, p, other.split('').reverse().join('')].join('.') });
    await expect(verifySignedEvent(forged, directory)).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
  });

  it('rejects an event signed by another agency’s key as WRONG_SIGNER', async () => {
    await expect(verifySignedEvent((await make(schoolKey, 'hospital-a')).value, directory)).rejects.toMatchObject({ code: 'WRONG_SIGNER' });
  });

  it('rejects an unsigned event and a payload that breaks its schema', async () => {
    const envelope = envelopeOf((await make()).value);
    await expect(verifySignedEvent(JSON.stringify({ ...envelope, data: { ...data } }), directory)).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
    await expect(verifySignedEvent((await make(hospitalKey, 'hospital-a', { ...data, action: 'MAYBE' })).value, directory)).rejects.toMatchObject({
      code: 'MALFORMED_EVENT',
    });
  });

  it.each([
    ['correlationid', 'c-2'],
    ['datacontenttype', 'application/json'],
    ['recipient', 'hospital-b'],
    ['time', '2001-01-01T00:00:00.000Z'],
  ])('refuses an envelope whose %s was changed after signing', async (attribute, value) => {
    const envelope = envelopeOf((await make()).value);
    await expect(verifySignedEvent(JSON.stringify({ ...envelope, [attribute]: value }), directory)).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
  });

  it('refuses an envelope with an attribute that was never signed', async () => {
    const envelope = envelopeOf((await make()).value);
    await expect(verifySignedEvent(JSON.stringify({ ...envelope, priority: 'urgent' }), directory)).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
  });
});
