import { pipeline, Transform, type Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { BadUserInputError, CareloopError } from '../../core/errors.js';
import { SCREENING_BATCH_BYTES, SCREENING_BATCH_SIZE, screeningRowData, type ScreeningRowData } from '../../core/warning/screening-events.js';
import { SCREENING_SCALE_NAMES, type ScreeningScale } from '../../core/warning/screening-scales.js';
import { codeOfIssue, type RejectedLine, type RejectedLineCode } from '../../core/validation/rejected-line.js';

/** The columns of a census file, in any order; header names are case-insensitive. */
export const SCREENING_REQUIRED_COLUMNS = ['student_number', 'scale', 'score', 'taken_on', 'assessor'] as const;
export const SCREENING_OPTIONAL_COLUMNS = ['pseudonym', 'resident_id'] as const;

/** How many refused lines a report lists; the count covers them all. */
export const MAX_LISTED_REJECTIONS = 1000;
const MAX_RECORD_BYTES = 4096;

export interface ScreeningParseReport {
  /** Data rows read (the header excluded). */
  rows: number;
  accepted: number;
  rejectedCount: number;
  /** The first refused lines, with their code and reason; never the values they held. */
  rejected: RejectedLine[];
  /** Set when reading stopped before the end of the file: nothing from this line on was imported. */
  unreadFromLine?: number;
}

// Reasons name the column and the rule, never the value: a report may be shown, logged or forwarded.
const REASONS: Record<string, string> = {
  studentNumber: 'student_number is missing or not a valid student number',
  pseudonym: 'pseudonym is not a valid pseudonym',
  scale: `scale is not one of ${SCREENING_SCALE_NAMES.join(', ')}`,
  score: "score is not a number within the scale's range",
  takenOn: 'taken_on is not a date (YYYY-MM-DD)',
  assessor: 'assessor is missing or not a valid staff id',
};

/** The file's column behind each field of a row, to read the cell a refused field came from. */
const CSV_COLUMNS: Record<string, string> = {
  studentNumber: 'student_number',
  pseudonym: 'pseudonym',
  scale: 'scale',
  score: 'score',
  takenOn: 'taken_on',
  assessor: 'assessor',
};

const CANONICAL_SCALE = new Map<string, ScreeningScale>(SCREENING_SCALE_NAMES.map((s) => [s.toUpperCase(), s]));

function checkHeader(header: string[]): string[] {
  const names = header.map((h) => h.trim().toLowerCase());
  const missing = SCREENING_REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) throw new BadUserInputError(`The header lacks the column(s) ${missing.join(', ')}.`, { missing });
  const known = new Set<string>([...SCREENING_REQUIRED_COLUMNS, ...SCREENING_OPTIONAL_COLUMNS]);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) throw new BadUserInputError('The header names columns a census file does not have.', { unknown: unknown.length });
  if (new Set(names).size !== names.length) throw new BadUserInputError('The header names a column twice.');
  return names;
}

/** A row's size as JSON, without serialising it: identifiers are ASCII (see `identifier`), so length is bytes. */
function jsonBytes(row: ScreeningRowData): number {
  // Keys, quotes, commas and the numbers: a fixed allowance, generous for a line number and a score.
  return 110 + row.studentNumber.length + (row.pseudonym?.length ?? 0) + row.scale.length + row.takenOn.length + row.assessor.length;
}

/**
 * Streams a screening census file (CSV, UTF-8, header row) through a maintained parser, validating every row.
 * Good rows go to `send` in batches of SCREENING_BATCH_SIZE rows (or SCREENING_BATCH_BYTES of JSON) as they are read; memory stays flat whatever the file's
 * size, since the parser waits while a batch is sent. A bad row is reported with its line and the reason, and
 * never stops the import. A file without the required header is refused as a whole (BAD_USER_INPUT).
 */
export async function parseScreeningCsv(
  source: Readable,
  options: { today: string; send: (rows: ScreeningRowData[]) => Promise<void> },
): Promise<ScreeningParseReport> {
  const report: ScreeningParseReport = { rows: 0, accepted: 0, rejectedCount: 0, rejected: [] };
  const reject = (line: number, code: RejectedLineCode, reason: string) => {
    report.rejectedCount++;
    if (report.rejected.length < MAX_LISTED_REJECTIONS) report.rejected.push({ line, code, reason });
  };
  let headerError: BadUserInputError | null = null;
  let sawHeader = false;
  // Where reading got to, to tell the school plainly when part of its file was not read: a quote left open swallows
  // the lines after it into one field, and the parser cannot go on after a line longer than it takes.
  let lastLine = 1;
  const recordLines: number[] = [];
  const skipped: number[] = [];
  let lines = 0;
  let endsWithNewline = true;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      if (chunk.length > 0) endsWithNewline = chunk[chunk.length - 1] === 10;
      done(null, chunk);
    },
  });
  // pipeline, not pipe: a source that fails (a body over the door's limit, a dropped upload) fails the loop below.
  const parser = pipeline(
    source,
    counter,
    parse({
      bom: true,
      columns: (header: string[]) => {
        sawHeader = true;
        try {
          return checkHeader(header);
        } catch (error) {
          if (error instanceof BadUserInputError) headerError = error;
          throw error;
        }
      },
      info: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: true,
      max_record_size: MAX_RECORD_BYTES,
      // Called while parsing, ahead of the records still queued for the loop below: noted here, reported at the end.
      on_skip: (error: CsvError | undefined) => {
        report.rows++;
        skipped.push(Number((error as { lines?: number } | undefined)?.lines ?? 0));
      },
    }),
    () => undefined,
  );
  let batch: ScreeningRowData[] = [];
  let batchBytes = 0;
  let invalidLengths = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string | undefined>;
      info: { lines: number; invalid_field_length: number };
    }>) {
      report.rows++;
      const line = info.lines;
      lastLine = line;
      recordLines.push(line);
      if (info.invalid_field_length !== invalidLengths) {
        invalidLengths = info.invalid_field_length;
        reject(line, 'MALFORMED_LINE', 'the line does not have as many fields as the header');
        continue;
      }
      if (record.resident_id) {
        // Never stored, never echoed: the hub links resident identity numbers only through its identity linkage.
        reject(line, 'RESIDENT_ID_NOT_ACCEPTED', 'resident_id is not accepted: send the pseudonym or leave the column empty');
        continue;
      }
      const takenOn = record.taken_on ?? '';
      const parsed = screeningRowData.safeParse({
        line,
        studentNumber: record.student_number,
        ...(record.pseudonym ? { pseudonym: record.pseudonym } : {}),
        scale: CANONICAL_SCALE.get((record.scale ?? '').toUpperCase()) ?? record.scale,
        score: record.score === undefined || record.score === '' ? Number.NaN : Number(record.score),
        takenOn,
        assessor: record.assessor,
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const column = String(issue?.path[0]);
        // REQUIRED for an empty cell, judged on the file's cell (a missing score is read as NaN, not as nothing).
        reject(line, codeOfIssue(issue, record[CSV_COLUMNS[column] ?? ''] ?? ''), REASONS[column] ?? 'the row is not valid');
        continue;
      }
      if (takenOn > options.today) {
        reject(line, 'IN_THE_FUTURE', 'taken_on is in the future');
        continue;
      }
      report.accepted++;
      batch.push(parsed.data);
      batchBytes += jsonBytes(parsed.data);
      if (batch.length === SCREENING_BATCH_SIZE || batchBytes >= SCREENING_BATCH_BYTES) {
        await options.send(batch);
        batch = [];
        batchBytes = 0;
      }
    }
  } catch (error) {
    // The body's own failure (too large) is the caller's to answer; the parser's message may quote the file, so the
    // caller hears only what kind of failure it was.
    if (error instanceof CareloopError && error.code !== 'BAD_USER_INPUT') throw error;
    throw headerError ?? new BadUserInputError('The file could not be read as CSV.');
  }
  if (!sawHeader) throw new BadUserInputError('The file is empty: a census file starts with its header row.');
  if (batch.length > 0) await options.send(batch);
  for (const at of skipped) {
    // The record that failed began after the last one that was read: several lines mean a quote swallowed them.
    let before = 1;
    for (let lo = 0, hi = recordLines.length - 1; lo <= hi;) {
      const mid = (lo + hi) >> 1;
      if (recordLines[mid]! < at) {
        before = recordLines[mid]!;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (at - before > 1)
      reject(before + 1, 'MALFORMED_LINE', `lines ${before + 1} to ${at} are one unreadable record (a quote left open?): none of them was imported`);
    else reject(at, 'MALFORMED_LINE', 'the line is not well-formed CSV (quotes or length)');
    lastLine = Math.max(lastLine, at);
  }
  const total = lines + (endsWithNewline ? 0 : 1);
  if (lastLine < total) {
    report.unreadFromLine = lastLine + 1;
    reject(
      lastLine + 1,
      'NOT_READ',
      `the file could not be read from this line on (a line over ${MAX_RECORD_BYTES} bytes?): lines ${lastLine + 1} to ${total} were not imported`,
    );
  }
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}
