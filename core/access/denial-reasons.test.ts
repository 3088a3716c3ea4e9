import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explainDenial, TRANSLATED_REASONS } from './denial-reasons.js';

const POLICIES = new URL('../../policies/careloop/authz/', import.meta.url);

describe('why a request was refused, in plain words', () => {
  it('has a Chinese explanation for every reason the policies can give', () => {
    const reasons = new Set(['unauthenticated', 'not permitted for this role']);
    for (const file of readdirSync(POLICIES).filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego'))) {
      for (const match of readFileSync(new URL(file, POLICIES), 'utf8').matchAll(/_denials contains "([^"]+)"/g)) reasons.add(match[1]!);
    }
    expect(reasons.size).toBeGreaterThan(10);
    expect([...reasons].filter((r) => !TRANSLATED_REASONS.has(r))).toEqual([]);
  });

  it('keeps the policy’s English words and adds the Chinese, reason by reason', () => {
    expect(explainDenial(['no emergency has been declared'])).toEqual({ en: ['no emergency has been declared'], 'zh-CN': ['尚未宣布紧急情况。'] });
  });
});
