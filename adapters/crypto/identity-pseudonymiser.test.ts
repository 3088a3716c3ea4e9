import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createIdentityPseudonymiser, parsePseudonymKeys, PseudonymKeyError } from './identity-pseudonymiser.js';

const NUMBER = '11010519491231002X';

describe('the identity pseudonymiser', () => {
  it('derives the same pseudonym from the same number under the same key, and another under another key', () => {
    const key = randomBytes(32);
    const a = createIdentityPseudonymiser({ keys: { k1: key }, activeKeyId: 'k1' });
    const b = createIdentityPseudonymiser({ keys: { k1: key }, activeKeyId: 'k1' });
    const other = createIdentityPseudonymiser({ keys: { k1: randomBytes(32) }, activeKeyId: 'k1' });
    const [link] = a.linksOf(NUMBER);
    expect(link).toEqual(b.linksOf(NUMBER)[0]);
    expect(a.pseudonymOf(link!)).toMatch(/^subj-[a-z2-7]{16}$/);
    expect(a.pseudonymOf(link!)).toBe(b.pseudonymOf(b.linksOf(NUMBER)[0]!));
    expect(other.linksOf(NUMBER)[0]!.digest).not.toBe(link!.digest);
  });

  it('is a keyed HMAC-SHA-256, not a hash anyone could recompute from a guessed number', () => {
    const key = randomBytes(32);
    const [link] = createIdentityPseudonymiser({ keys: { k1: key }, activeKeyId: 'k1' }).linksOf(NUMBER);
    expect(link!.digest).toBe(createHmac('sha256', key).update(NUMBER).digest('base64url'));
    expect(link!.digest).not.toContain(NUMBER.slice(0, 6));
  });

  it('links under every configured key, the active one first, so that re-keying loses no child', () => {
    const old = randomBytes(32);
    const fresh = randomBytes(32);
    const before = createIdentityPseudonymiser({ keys: { k1: old }, activeKeyId: 'k1' });
    const during = createIdentityPseudonymiser({ keys: { k2: fresh, k1: old }, activeKeyId: 'k2' });
    const links = during.linksOf(NUMBER);
    expect(links.map((l) => l.keyId)).toEqual(['k2', 'k1']);
    expect(links[1]).toEqual(before.linksOf(NUMBER)[0]);
  });

  it('refuses short keys, odd key ids and an active key that is not configured, without repeating the key', () => {
    expect(() => createIdentityPseudonymiser({ keys: { k1: randomBytes(16) }, activeKeyId: 'k1' })).toThrow(PseudonymKeyError);
    expect(() => createIdentityPseudonymiser({ keys: { 'k 1': randomBytes(32) }, activeKeyId: 'k 1' })).toThrow(PseudonymKeyError);
    expect(() => createIdentityPseudonymiser({ keys: { k1: randomBytes(32) }, activeKeyId: 'k2' })).toThrow(PseudonymKeyError);
    const secret = randomBytes(8).toString('base64');
    expect(() => parsePseudonymKeys(`k1:${secret}`)).toThrow(PseudonymKeyError);
    try {
      parsePseudonymKeys(`k1:${secret}`);
    } catch (error) {
      expect(String(error)).not.toContain(secret);
    }
    expect(() => parsePseudonymKeys('')).toThrow(/holds no key/);
    expect(
      parsePseudonymKeys(`p2:${randomBytes(32).toString('base64')}, p1:${randomBytes(32).toString('base64')}`)
        .linksOf(NUMBER)
        .map((l) => l.keyId),
    ).toEqual(['p2', 'p1']);
  });
});
