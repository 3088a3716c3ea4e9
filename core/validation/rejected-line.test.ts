import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { enrolmentAppliedData, enrolmentAppliedReceived } from '../enrolment/enrolment-events.js';
import { screeningBatchAppliedData, screeningBatchAppliedReceived } from '../warning/screening-events.js';
import { codeOfIssue, REJECTED_LINE_CODES, rejectedLine, valueAtPath } from './rejected-line.js';

describe('the codes of refused lines', () => {
  it('are a closed set of SCREAMING_SNAKE_CASE names', () => {
    for (const code of REJECTED_LINE_CODES) expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
    expect(new Set(REJECTED_LINE_CODES).size).toBe(REJECTED_LINE_CODES.length);
    expect(rejectedLine.safeParse({ line: 1, code: 'SOMETHING_ELSE', reason: 'x' }).success).toBe(false);
  });

  it('are required in the events the hub emits, and optional when a connector reads an event from a hub that predates them', () => {
    const old = { line: 3, reason: 'no student with this number is enrolled at the school' };
    const enrolment = { batchId: randomUUID(), batch: 1, enrolled: [], pending: [], left: 0, unchanged: 0, rejected: [old] };
    const screening = { importId: randomUUID(), batch: 1, applied: 0, unchanged: 0, rejected: [old] };
    expect(enrolmentAppliedData.safeParse(enrolment).success).toBe(false);
    expect(screeningBatchAppliedData.safeParse(screening).success).toBe(false);
    expect(enrolmentAppliedReceived.parse(enrolment).rejected).toEqual([old]);
    expect(screeningBatchAppliedReceived.parse(screening).rejected).toEqual([old]);
    const coded = { ...old, code: 'UNKNOWN_STUDENT' };
    expect(enrolmentAppliedReceived.parse({ ...enrolment, rejected: [coded] }).rejected).toEqual([coded]);
    expect(screeningBatchAppliedData.parse({ ...screening, rejected: [coded] }).rejected).toEqual([coded]);
  });

  it('reach a connector even when a newer hub names a rule its list does not have yet, but only as a code', () => {
    const newer = { line: 2, code: 'SOME_RULE_ADDED_LATER', reason: 'a rule this connector does not know' };
    const enrolment = { batchId: randomUUID(), batch: 1, enrolled: [], pending: [], left: 0, unchanged: 0, rejected: [newer] };
    expect(enrolmentAppliedData.safeParse(enrolment).success).toBe(false);
    expect(enrolmentAppliedReceived.parse(enrolment).rejected).toEqual([newer]);
    for (const code of ['lower_case', 'HAS SPACE', '110105201403070024', 'X'.repeat(49)])
      expect(enrolmentAppliedReceived.safeParse({ ...enrolment, rejected: [{ ...newer, code }] }).success).toBe(false);
  });

  it("name a schema's issue by what went wrong: missing, too long, or otherwise invalid", () => {
    const schema = z.object({ a: z.string().max(3), b: z.object({ c: z.string().regex(/^\d+$/) }) });
    const codeOf = (raw: unknown) => {
      const issue = schema.safeParse(raw).error?.issues[0];
      return codeOfIssue(issue, valueAtPath(raw, issue?.path ?? []));
    };
    expect(codeOf({ b: { c: '1' } })).toBe('REQUIRED');
    expect(codeOf({ a: 'x', b: { c: '  ' } })).toBe('REQUIRED');
    expect(codeOf({ a: 'x', b: { c: '' } })).toBe('REQUIRED');
    expect(codeOf({ a: 'abcd', b: { c: '1' } })).toBe('TOO_LONG');
    expect(codeOf({ a: 'x', b: { c: 'z' } })).toBe('INVALID_VALUE');
    expect(codeOf({ a: 1, b: { c: '1' } })).toBe('INVALID_VALUE');
    expect(codeOf(42)).toBe('INVALID_VALUE');
    expect(codeOf(null)).toBe('INVALID_VALUE');
  });
});
