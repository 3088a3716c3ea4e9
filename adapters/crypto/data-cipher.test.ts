import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDataCipher, parseDataKeys } from './data-cipher.js';

describe('the data cipher', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  it('seals text so that the plain text does not appear and opens it again', () => {
    const cipher = createDataCipher({ keys: { k1 }, activeKeyId: 'k1' });
    const sealed = cipher.seal('PHQ-9 score 24, suicidal ideation', 'referrals.reason');
    expect(sealed).toMatch(/^enc:v1:k1:/);
    expect(sealed).not.toContain('PHQ');
    expect(cipher.open(sealed, 'referrals.reason')).toBe('PHQ-9 score 24, suicidal ideation');
  });

  it('never uses an IV twice, across many seals and both ciphers of one process (AES-GCM fails open on a repeat)', () => {
    const ciphers = [createDataCipher({ keys: { k1 }, activeKeyId: 'k1' }), createDataCipher({ keys: { k2 }, activeKeyId: 'k2' })];
    const ivs = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const sealed = ciphers[i % 2]!.seal('same text', 'signals.note');
      ivs.add(Buffer.from(sealed.split(':')[3]!, 'base64url').subarray(0, 12).toString('hex'));
    }
    expect(ivs.size).toBe(3000);
    expect(ciphers.map((c, i) => c.open(c.seal(`x${i}`, 'p'), 'p'))).toEqual(['x0', 'x1']);
  });

  it('refuses a value moved to another purpose or tampered with', () => {
    const cipher = createDataCipher({ keys: { k1 }, activeKeyId: 'k1' });
    const sealed = cipher.seal('note', 'referrals.reason');
    expect(() => cipher.open(sealed, 'referral_timeline.note')).toThrow();
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(() => cipher.open(tampered, 'referrals.reason')).toThrow();
  });

  it('rotates: a new active key seals, the old key still opens what it sealed', () => {
    const before = createDataCipher({ keys: { k1 }, activeKeyId: 'k1' });
    const old = before.seal('old text', 'p');
    const after = createDataCipher({ keys: { k1, k2 }, activeKeyId: 'k2' });
    expect(after.seal('new text', 'p')).toMatch(/^enc:v1:k2:/);
    expect(after.open(old, 'p')).toBe('old text');
    expect(() => createDataCipher({ keys: { k2 }, activeKeyId: 'k2' }).open(old, 'p')).toThrow(/no longer has/);
  });

  it('reads DATA_KEYS with the first key active and refuses a short key', () => {
    const cipher = parseDataKeys(`k2:${k2.toString('base64')},k1:${k1.toString('base64')}`);
    expect(cipher.activeKeyId).toBe('k2');
    expect(() => parseDataKeys(`k1:${randomBytes(16).toString('base64')}`)).toThrow(/32 bytes/);
  });
});
