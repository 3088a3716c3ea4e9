import { stringify } from 'csv-stringify/sync';
import type { DisclosedWarning } from '../../core/warning/warning-reader.js';

/**
 * The warning list as a school reports it upwards (README "Warning list export"): one row per entry, pseudonyms
 * only, no free text (no reasons, no plan text), dates as YYYY-MM-DD. The columns are fixed and documented, so a
 * provincial platform's import template is a matter of naming them.
 */
export const WARNING_EXPORT_COLUMNS = [
  'school_agency_id',
  'pseudonym',
  'category',
  'state',
  'raised_on',
  'lifted_on',
  'owner',
  'special_attention',
  'plan_in_place',
  'guardian_notice_on',
  'guardian_notice_channel',
  'reviews',
  'last_change_on',
] as const;

type ExportRow = Record<(typeof WARNING_EXPORT_COLUMNS)[number], string | number | boolean | null>;

const day = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 10) : null);

export function warningExportRow(entry: DisclosedWarning): ExportRow {
  return {
    school_agency_id: entry.schoolAgencyId ?? null,
    pseudonym: entry.subjectId ?? null,
    category: entry.category ?? null,
    state: entry.state ?? null,
    raised_on: day(entry.raisedAt),
    lifted_on: day(entry.liftedAt),
    owner: entry.ownerUserId ?? null,
    special_attention: (entry.tags ?? []).join(';'),
    plan_in_place: Boolean(entry.plan),
    guardian_notice_on: day(entry.guardianNotice?.givenAt),
    guardian_notice_channel: entry.guardianNotice?.channel ?? null,
    reviews: (entry.history ?? []).filter((h) => h.action === 'REVIEW').length,
    last_change_on: day(entry.updatedAt),
  };
}

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, tab, carriage return first) is prefixed with an apostrophe
 * (the OWASP advice on CSV injection); ids may begin with '-'.
 */
function inert(value: unknown): unknown {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function formatWarningExport(entries: readonly DisclosedWarning[], format: 'CSV' | 'JSON', schoolAgencyId: string, at: Date) {
  const rows = entries.map(warningExportRow);
  const stamp = at.toISOString().slice(0, 10);
  if (format === 'JSON')
    return {
      format,
      contentType: 'application/json',
      fileName: `warning-list-${schoolAgencyId}-${stamp}.json`,
      rows: rows.length,
      content: JSON.stringify({ schema: 'careloop.warning-list.v1', schoolAgencyId, exportedAt: at.toISOString(), rows }),
    };
  return {
    format,
    contentType: 'text/csv; charset=utf-8',
    fileName: `warning-list-${schoolAgencyId}-${stamp}.csv`,
    rows: rows.length,
    content: stringify(
      rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, inert(v)]))),
      { header: true, columns: [...WARNING_EXPORT_COLUMNS], cast: { boolean: (v) => (v ? 'yes' : 'no') } },
    ),
  };
}
