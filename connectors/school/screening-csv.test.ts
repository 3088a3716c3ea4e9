import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SCREENING_BATCH_BYTES, type ScreeningRowData } from '../../core/warning/screening-events.js';
import { SCREENING_SCALE_NAMES } from '../../core/warning/screening-scales.js';
import { MAX_LISTED_REJECTIONS, parseScreeningCsv } from './screening-csv.js';

const TODAY = '2026-11-23';
const HEADER = 'student_number,pseudonym,scale,score,taken_on,assessor';

async function run(text: string | Buffer, chunkSize = 7) {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  // Small chunks: rows and even characters split across reads, as on a slow upload.
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const batches: ScreeningRowData[][] = [];
  const report = await parseScreeningCsv(Readable.from(chunks), { today: TODAY, send: async (rows) => void batches.push(rows) });
  return { report, rows: batches.flat(), batches };
}

describe('the screening census parser', () => {
  it('reads good rows, in any column order and with a byte-order mark, and reports each bad row with its line and reason', async () => {
    const csv = [
      '\uFEFFScale,Score,Taken_On,Assessor,Student_Number,Pseudonym',
      'PHQ-9,12,2026-09-15,teacher-chen,E2024-001,',
      'gad-7,5,2026-09-15,teacher-chen,E2024-001,subj-7a',
      'PHQ-9,31,2026-09-15,teacher-chen,E2024-002,', // out of range
      'PHQ-99,3,2026-09-15,teacher-chen,E2024-003,', // unknown scale
      'PHQ-9,,2026-09-15,teacher-chen,E2024-004,', // no score
      'PHQ-9,4,2026-13-01,teacher-chen,E2024-005,', // impossible date
      'PHQ-9,4,2027-01-01,teacher-chen,E2024-006,', // future
      'PHQ-9,4,2026-09-15,teacher-chen', // too few fields
      '',
      '"MHT","55","2026-09-16","teacher-chen","E2024-007",""',
    ].join('\r\n');
    const { report, rows } = await run(csv);
    expect(report).toMatchObject({ rows: 9, accepted: 3, rejectedCount: 6 });
    expect(rows.map((r) => [r.line, r.studentNumber, r.scale, r.score])).toEqual([
      [2, 'E2024-001', 'PHQ-9', 12],
      [3, 'E2024-001', 'GAD-7', 5],
      [11, 'E2024-007', 'MHT', 55],
    ]);
    expect(rows[1]!.pseudonym).toBe('subj-7a');
    expect(report.rejected).toEqual([
      { line: 4, code: 'INVALID_VALUE', reason: "score is not a number within the scale's range" },
      { line: 5, code: 'INVALID_VALUE', reason: `scale is not one of ${SCREENING_SCALE_NAMES.join(', ')}` },
      // An empty cell is missing, not wrong: the same reason, a different code.
      { line: 6, code: 'REQUIRED', reason: "score is not a number within the scale's range" },
      { line: 7, code: 'INVALID_VALUE', reason: 'taken_on is not a date (YYYY-MM-DD)' },
      { line: 8, code: 'IN_THE_FUTURE', reason: 'taken_on is in the future' },
      { line: 9, code: 'MALFORMED_LINE', reason: 'the line does not have as many fields as the header' },
    ]);
  });

  it('keeps going past a line that is not well-formed CSV', async () => {
    const csv = `${HEADER}\nE1,,PHQ-9,3,2026-09-15,t1\nE2,,"PHQ-9,3,2026-09-15,t1\nE3,,GAD-7,2,2026-09-15,t1\n`;
    const { report, rows } = await run(csv);
    expect(rows.map((r) => r.studentNumber)).toContain('E1');
    expect(report.rejectedCount).toBeGreaterThanOrEqual(1);
    expect(report.rejected.every((r) => !JSON.stringify(r).includes('E2'))).toBe(true);
  });

  it('never echoes a resident identity number, and refuses the row that carries one', async () => {
    const csv = `student_number,resident_id,scale,score,taken_on,assessor\nE1,11010520100307002X,PHQ-9,3,2026-09-15,t1\nE2,,PHQ-9,4,2026-09-15,t1\n`;
    const { report, rows } = await run(csv);
    expect(rows.map((r) => r.studentNumber)).toEqual(['E2']);
    expect(report.rejected).toEqual([
      { line: 2, code: 'RESIDENT_ID_NOT_ACCEPTED', reason: 'resident_id is not accepted: send the pseudonym or leave the column empty' },
    ]);
    expect(JSON.stringify({ report, rows })).not.toContain('11010520100307002X');
  });

  it('tells a missing cell (REQUIRED) from a wrong one (INVALID_VALUE)', async () => {
    const csv = `${HEADER}\n,,PHQ-9,3,2026-09-15,t1\nE2,,PHQ-9,3,2026-09-15,\nE3,,PHQ-9,3,2026-09-15,t1 t2\nE4,,PHQ-9,3,,t1\n`;
    const { report } = await run(csv);
    expect(report.rejected.map((r) => [r.line, r.code])).toEqual([
      [2, 'REQUIRED'],
      [3, 'REQUIRED'],
      [4, 'INVALID_VALUE'],
      [5, 'REQUIRED'],
    ]);
  });

  it('refuses a file whose header lacks a required column, or that is empty, as a whole', async () => {
    await expect(run('student_number,scale,score,assessor\nE1,PHQ-9,3,t1\n')).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { missing: ['taken_on'] },
    });
    await expect(run('')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(run(`${HEADER},password\n`)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('refuses values that are not clean text without quoting them', async () => {
    const csv = `${HEADER}\nE1\u0000,,PHQ-9,3,2026-09-15,t1\nE2,,PHQ-9,3,2026-09-15,<script>\nE3,,PHQ-9,1e400,2026-09-15,t1\n`;
    const { report, rows } = await run(csv);
    expect(rows).toEqual([]);
    expect(report.rejectedCount).toBe(3);
    expect(report.rejected.map((r) => [r.line, r.code])).toEqual([
      [2, 'INVALID_VALUE'],
      [3, 'INVALID_VALUE'],
      [4, 'INVALID_VALUE'],
    ]);
    expect(JSON.stringify(report)).not.toContain('<script>');
  });

  it('sends in batches of 2,000 as it reads, and lists at most 1,000 refused lines while counting them all', async () => {
    const lines = [HEADER];
    for (let i = 0; i < 4500; i++) lines.push(`E${i},,PHQ-9,${i % 28},2026-09-15,t1`);
    for (let i = 0; i < 1100; i++) lines.push(`B${i},,PHQ-9,99,2026-09-15,t1`);
    const { report, batches } = await run(lines.join('\n'), 64 * 1024);
    expect(batches.map((b) => b.length)).toEqual([2000, 2000, 500]);
    expect(report.rejectedCount).toBe(1100);
    expect(report.rejected).toHaveLength(MAX_LISTED_REJECTIONS);
  });

  it('closes a batch early when its rows are long, so that no batch outgrows a broker message', async () => {
    // Every identifier as long as allowed: 2,000 such rows would be about 0.8 MB of JSON before signing.
    const longest = (prefix: string, i: number) => `${prefix}${i}`.padEnd(100, 'x');
    const lines = [HEADER];
    for (let i = 0; i < 2500; i++) lines.push(`${longest('E', i)},${longest('P', i)},PHQ-9,3,2026-09-15,${longest('T', i)}`);
    const { batches } = await run(lines.join('\n'), 64 * 1024);
    expect(batches.reduce((n, b) => n + b.length, 0)).toBe(2500);
    expect(batches.length).toBeGreaterThan(2);
    for (const b of batches) {
      const bytes = Buffer.byteLength(JSON.stringify(b));
      expect(bytes).toBeLessThanOrEqual(SCREENING_BATCH_BYTES + 600);
      // Base64url in a JWS grows it by a third: still under 1 MB with room for the envelope.
      expect(Math.ceil((bytes * 4) / 3)).toBeLessThan(900 * 1024);
    }
  });

  it('says plainly which lines were not read when a quote is left open or a line is too long, instead of a short count', async () => {
    const open = await run(`${HEADER}\nE1,,PHQ-9,3,2026-09-15,t1\nE2,,"PHQ-9,3,2026-09-15,t1\nE3,,PHQ-9,3,2026-09-15,t1\nE4,,PHQ-9,3,2026-09-15,t1\n`);
    expect(open.rows.map((r) => r.studentNumber)).toEqual(['E1']);
    expect(open.report.rejected).toEqual([
      { line: 3, code: 'MALFORMED_LINE', reason: 'lines 3 to 5 are one unreadable record (a quote left open?): none of them was imported' },
    ]);
    const long = await run(
      `${HEADER}\nE1,,PHQ-9,3,2026-09-15,t1\nE2,,${'x'.repeat(5000)},3,2026-09-15,t1\nE3,,PHQ-9,3,2026-09-15,t1\nE4,,PHQ-9,3,2026-09-15,t1`,
    );
    expect(long.rows.map((r) => r.studentNumber)).toEqual(['E1']);
    expect(long.report.unreadFromLine).toBe(4);
    expect(long.report.rejected.at(-1)).toEqual({
      line: 4,
      code: 'NOT_READ',
      reason: 'the file could not be read from this line on (a line over 4096 bytes?): lines 4 to 5 were not imported',
    });
  });
});
