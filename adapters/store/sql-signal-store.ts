import type { NewSignal, SignalStore } from '../../core/signal/signal-store.js';
import type { SchoolReport, Signal, SignalGuidance } from '../../core/signal/signal.js';
import type { DataCipher } from '../crypto/data-cipher.js';
import { isSealed, sealedColumn } from './sealed-column.js';
import type { SqlClient } from './sql-client.js';
import { runnerFor, sqlOf } from './sql-unit-of-work.js';
import { asDate, optDate, optText } from './sql-values.js';

type Row = Record<string, unknown>;

const SIGNAL_COLUMNS = `s.*, s.note IS NOT NULL AS has_note,
  COALESCE((SELECT json_agg(json_build_object('sequence', g.sequence, 'givenAt', g.given_at, 'givenBy', g.given_by, 'text', g.text) ORDER BY g.sequence)
            FROM signal_guidance g WHERE g.signal_id = s.id), '[]'::json) AS guidance`;

/** Signals and schools' reports to the police on SQL (migration set `signal`). */
export function createSqlSignalStore(client: SqlClient, cipher: DataCipher): SignalStore {
  const officer = sealedColumn(cipher, 'signals.officer');
  const NOTE = 'signals.note';
  const note = sealedColumn(cipher, NOTE);
  const ackNote = sealedColumn(cipher, 'signals.acknowledgement_note');
  const guidanceText = sealedColumn(cipher, 'signal_guidance.text');
  const justification = sealedColumn(cipher, 'signal_note_openings.justification');
  const summary = sealedColumn(cipher, 'school_reports.summary');

  const toSignal = (r: Row): Signal => ({
    id: String(r.id),
    policeAgencyId: String(r.police_agency_id),
    sourceId: String(r.source_id),
    policeDistrictId: optText(r.police_district_id),
    policeLocalId: String(r.police_local_id),
    subjectId: optText(r.subject_id),
    schoolAgencyId: optText(r.school_agency_id),
    category: r.category as Signal['category'],
    severity: r.severity as Signal['severity'],
    observedAt: asDate(r.observed_at),
    receivedAt: asDate(r.received_at),
    routedAt: optDate(r.routed_at),
    dueAt: optDate(r.due_at),
    hasNote: r.has_note === true,
    episodeId: String(r.episode_id),
    state: r.state as Signal['state'],
    acknowledgedAt: optDate(r.acknowledged_at),
    acknowledgedBy: optText(r.acknowledged_by),
    actions: (r.actions as Signal['actions'] | null) ?? [],
    acknowledgementNote: ackNote.open(r.acknowledgement_note),
    escalatedAt: optDate(r.escalated_at),
    guidance: ((typeof r.guidance === 'string' ? JSON.parse(r.guidance) : (r.guidance ?? [])) as Row[]).map((g): SignalGuidance => ({
      sequence: Number(g.sequence),
      givenAt: asDate(g.givenAt),
      givenBy: String(g.givenBy),
      text: guidanceText.open(g.text) ?? '',
    })),
  });
  const toReport = (r: Row): SchoolReport => ({
    id: String(r.id),
    schoolAgencyId: String(r.school_agency_id),
    policeAgencyId: String(r.police_agency_id),
    subjectId: String(r.subject_id),
    kind: r.kind as SchoolReport['kind'],
    summary: summary.open(r.summary) ?? '',
    reportedBy: String(r.reported_by),
    reportedAt: asDate(r.reported_at),
    acknowledgedAt: optDate(r.acknowledged_at),
    acknowledgedBy: optText(r.acknowledged_by),
  });
  const page = <T>(rows: Row[], first: number, map: (r: Row) => T) => ({ items: rows.slice(0, first).map(map), hasMore: rows.length > first });
  // Newest first: ids sort by creation time (newTimeOrderedId), so the cursor is the last id seen.
  const before = (after?: string) => after ?? '\uffff';

  /** A school's reports, or a police bureau's: the column is one of these two, never a caller's text. */
  const reportsOf = async (column: 'school_agency_id' | 'police_agency_id', agencyId: string, p: { first: number; after?: string }) =>
    page(
      await client.query(`SELECT * FROM school_reports WHERE ${column} = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, [agencyId, before(p.after), p.first + 1]),
      p.first,
      toReport,
    );

  return {
    async findBySource(tx, policeAgencyId, sourceId) {
      const [row] = await sqlOf(tx).query(`SELECT ${SIGNAL_COLUMNS} FROM signals s WHERE police_agency_id = $1 AND source_id = $2`, [policeAgencyId, sourceId]);
      return row ? toSignal(row) : null;
    },
    async knownSources(tx, policeAgencyId, sourceIds) {
      if (sourceIds.length === 0) return new Set();
      // One probe of the unique index a source id. Asked with `= ANY`, a planner without statistics (PGlite never
      // gathers them; a new PostgreSQL table has none) read every signal of the bureau instead, a cost that grew
      // with its history: 7 ms of a 500-signal batch at 40,000 signals, against ~1 ms for the probes.
      const rows = await sqlOf(tx).query(
        `SELECT k.source_id FROM unnest($2::text[]) AS k(source_id)
           CROSS JOIN LATERAL (SELECT 1 FROM signals s WHERE s.police_agency_id = $1 AND s.source_id = k.source_id LIMIT 1) found`,
        [policeAgencyId, [...sourceIds]],
      );
      return new Set(rows.map((r) => String(r.source_id)));
    },
    async insertMany(tx, signals) {
      if (signals.length === 0) return new Set();
      const routed = (s: NewSignal) => ('subjectId' in s.route ? s.route : null);
      const waiting = (s: NewSignal) => ('waitingFor' in s.route ? s.route.waitingFor : null);
      // The rows travel as one JSON array: node-postgres writes an array parameter element by element, escaping each,
      // which for 19 columns of 500 signals cost more of the hub's time than the INSERT's round trip. Times go as ISO
      // strings, each made once (a batch shares its receipt time and a few deadlines): a Date's toJSON, called from
      // JSON.stringify, tripled the stringify's time.
      const isoOf = new Map<number, string>();
      const iso = (at: Date | null | undefined) => {
        if (!at) return null;
        let text = isoOf.get(at.getTime());
        if (text === undefined) isoOf.set(at.getTime(), (text = at.toISOString()));
        return text;
      };
      const rows = signals.map((s) => ({
        id: s.id,
        police_agency_id: s.policeAgencyId,
        source_id: s.sourceId,
        police_district_id: s.policeDistrictId,
        police_local_id: s.policeLocalId,
        subject_id: routed(s)?.subjectId ?? null,
        school_agency_id: routed(s)?.schoolAgencyId ?? null,
        link_key_id: waiting(s)?.keyId ?? null,
        link_digest: waiting(s)?.digest ?? null,
        category: s.category,
        severity: s.severity,
        observed_at: iso(s.observedAt),
        received_at: iso(s.receivedAt),
        routed_at: iso(routed(s) ? s.receivedAt : null),
        due_at: iso(routed(s)?.dueAt),
        note: s.text.sealed.note,
        officer: s.text.sealed.officer,
        episode_id: s.episodeId,
        state: routed(s) ? 'ROUTED' : 'UNMATCHED',
      }));
      // The links are written as `linkLocalIds` writes them: one row a record number (ON CONFLICT DO UPDATE may not
      // touch a row twice; should a batch give one number two children, the child of its newest observation, then of
      // its last source id), in key order, byte-wise as `linkLocalIds` sorts (no deadlock with another writer,
      // whatever the database's collation), and a link that holds already is not written again.
      const inserted = await sqlOf(tx).query(
        `WITH ins AS (
           INSERT INTO signals (id, police_agency_id, source_id, police_district_id, police_local_id, subject_id, school_agency_id, link_key_id, link_digest,
             category, severity, observed_at, received_at, routed_at, due_at, note, officer, episode_id, state)
           SELECT * FROM json_to_recordset($1::json) AS r(id text, police_agency_id text, source_id text, police_district_id text, police_local_id text,
             subject_id text, school_agency_id text, link_key_id text, link_digest text, category text, severity text, observed_at timestamptz,
             received_at timestamptz, routed_at timestamptz, due_at timestamptz, note text, officer text, episode_id text, state text)
           ON CONFLICT (police_agency_id, source_id) DO NOTHING
           RETURNING id, police_agency_id, police_local_id, subject_id, received_at, observed_at, source_id),
         linked AS (
           INSERT INTO agency_local_ids (agency_id, local_id, subject_id, linked_at)
           SELECT DISTINCT ON (police_agency_id COLLATE "C", police_local_id COLLATE "C") police_agency_id, police_local_id, subject_id, received_at FROM ins
            WHERE subject_id IS NOT NULL
            ORDER BY police_agency_id COLLATE "C", police_local_id COLLATE "C", observed_at DESC, source_id COLLATE "C" DESC
           ON CONFLICT (agency_id, local_id) DO UPDATE SET subject_id = EXCLUDED.subject_id, linked_at = EXCLUDED.linked_at
           WHERE agency_local_ids.subject_id <> EXCLUDED.subject_id)
         SELECT id FROM ins`,
        [JSON.stringify(rows)],
      );
      return new Set(inserted.map((r) => String(r.id)));
    },
    sealText(signal) {
      return { sealed: { officer: officer.seal(signal.officer) ?? '', note: note.seal(signal.note) } };
    },
    async latestNear(tx, probes, windowMs) {
      // One probe a distinct child and time, each an index scan that stops at its first row (signals_by_subject;
      // signals_unmatched_links holds few rows a child). OFFSET 0: PGlite keeps no statistics to plan a join by.
      const distinct = <T>(items: T[], key: (t: T) => string) => [...new Map(items.map((t) => [key(t), t])).values()];
      const span = (at: Date) => [new Date(at.getTime() - windowMs), new Date(at.getTime() + windowMs)] as const;
      const bySubject = distinct(
        probes.flatMap((p) => ('subjectId' in p.child ? [{ subjectId: p.child.subjectId, at: p.at }] : [])),
        (p) => `${p.subjectId}\u0000${p.at.getTime()}`,
      );
      const byLink = distinct(
        probes.flatMap((p) => ('link' in p.child ? [{ link: p.child.link, at: p.at }] : [])),
        (p) => `${p.link.keyId}\u0000${p.link.digest}\u0000${p.at.getTime()}`,
      );
      const subjectRows = bySubject.length
        ? await sqlOf(tx).query(
            `SELECT k.subject_id, s.observed_at, s.episode_id FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS k(subject_id, lo, hi)
               CROSS JOIN LATERAL (SELECT observed_at, episode_id FROM signals
                 WHERE subject_id = k.subject_id AND observed_at BETWEEN k.lo AND k.hi ORDER BY observed_at DESC LIMIT 1 OFFSET 0) s`,
            [bySubject.map((p) => p.subjectId), bySubject.map((p) => span(p.at)[0]), bySubject.map((p) => span(p.at)[1])],
          )
        : [];
      const linkRows = byLink.length
        ? await sqlOf(tx).query(
            `SELECT k.key_id, k.digest, s.observed_at, s.episode_id FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS k(key_id, digest, lo, hi)
               CROSS JOIN LATERAL (SELECT observed_at, episode_id FROM signals
                 WHERE state = 'UNMATCHED' AND link_key_id = k.key_id AND link_digest = k.digest AND observed_at BETWEEN k.lo AND k.hi
                 ORDER BY observed_at DESC LIMIT 1 OFFSET 0) s`,
            [byLink.map((p) => p.link.keyId), byLink.map((p) => p.link.digest), byLink.map((p) => span(p.at)[0]), byLink.map((p) => span(p.at)[1])],
          )
        : [];
      return [
        ...subjectRows.map((r) => ({ child: { subjectId: String(r.subject_id) }, observedAt: asDate(r.observed_at), episodeId: String(r.episode_id) })),
        ...linkRows.map((r) => ({
          child: { link: { keyId: String(r.key_id), digest: String(r.digest) } },
          observedAt: asDate(r.observed_at),
          episodeId: String(r.episode_id),
        })),
      ];
    },
    async waitingFor(tx, links) {
      if (links.length === 0) return [];
      const rows = await sqlOf(tx).query(
        `SELECT ${SIGNAL_COLUMNS} FROM unnest($1::text[], $2::text[]) AS k(key_id, digest)
           JOIN signals s ON s.state = 'UNMATCHED' AND s.link_key_id = k.key_id AND s.link_digest = k.digest
         ORDER BY s.observed_at`,
        [links.map((l) => l.keyId), links.map((l) => l.digest)],
      );
      return rows.map(toSignal);
    },
    async route(tx, id, r) {
      // The digest is dropped once the signal has found its child: nothing is kept that is not needed.
      await sqlOf(tx).query(
        `UPDATE signals SET state = 'ROUTED', subject_id = $2, school_agency_id = $3, routed_at = $4, due_at = $5, episode_id = $6, link_key_id = NULL, link_digest = NULL
         WHERE id = $1 AND state = 'UNMATCHED'`,
        [id, r.subjectId, r.schoolAgencyId, r.routedAt, r.dueAt, r.episodeId],
      );
    },
    async get(id, tx) {
      const [row] = await runnerFor(client, tx).query(`SELECT ${SIGNAL_COLUMNS} FROM signals s WHERE id = $1`, [id]);
      return row ? toSignal(row) : null;
    },
    async acknowledge(tx, id, ack) {
      const rows = await sqlOf(tx).query(
        `UPDATE signals SET state = 'ACKNOWLEDGED', acknowledged_at = $2, acknowledged_by = $3, actions = $4::text[], acknowledgement_note = $5
         WHERE id = $1 AND state = 'ROUTED' RETURNING id`,
        [id, ack.at, ack.by, ack.actions, ackNote.seal(ack.note)],
      );
      return rows.length > 0;
    },
    async overdue(now, limit) {
      const rows = await client.query(
        `SELECT ${SIGNAL_COLUMNS} FROM signals s WHERE state = 'ROUTED' AND escalated_at IS NULL AND due_at < $1 ORDER BY due_at LIMIT $2`,
        [now, limit],
      );
      return rows.map(toSignal);
    },
    async markEscalated(tx, id, at) {
      const rows = await sqlOf(tx).query(`UPDATE signals SET escalated_at = $2 WHERE id = $1 AND state = 'ROUTED' AND escalated_at IS NULL RETURNING id`, [
        id,
        at,
      ]);
      return rows.length > 0;
    },
    async addGuidance(tx, id, g) {
      const [row] = await sqlOf(tx).query(
        `INSERT INTO signal_guidance (signal_id, sequence, given_at, given_by, text)
         SELECT $1, COALESCE(MAX(sequence), 0) + 1, $2, $3, $4 FROM signal_guidance WHERE signal_id = $1 RETURNING sequence`,
        [id, g.givenAt, g.givenBy, guidanceText.seal(g.text)],
      );
      return { ...g, sequence: Number(row?.sequence) };
    },
    async note(id) {
      const [row] = await client.query('SELECT note FROM signals WHERE id = $1', [id]);
      const stored = optText(row?.note);
      if (stored === null) return null;
      // Sealed with the data keys since the hub opens the envelope on arrival; a JWE is a note stored before that.
      return isSealed(stored) ? { text: cipher.open(stored, NOTE) } : { envelope: stored };
    },
    async recordNoteOpening(tx, o) {
      await sqlOf(tx).query(
        'INSERT INTO signal_note_openings (signal_id, opened_at, opened_by_agency, opened_by_user, basis, justification) VALUES ($1, $2, $3, $4, $5, $6)',
        [o.signalId, o.at, o.agencyId, o.userId, o.basis, justification.seal(o.justification)],
      );
    },
    async listForSchool(schoolAgencyId, p) {
      const rows = await client.query(
        `SELECT ${SIGNAL_COLUMNS} FROM signals s WHERE school_agency_id = $1 AND id < $2 AND ($3::text IS NULL OR state = $3) ORDER BY id DESC LIMIT $4`,
        [schoolAgencyId, before(p.after), p.state ?? null, p.first + 1],
      );
      return page(rows, p.first, toSignal);
    },
    async listForPolice(policeAgencyId, p) {
      const rows = await client.query(`SELECT ${SIGNAL_COLUMNS} FROM signals s WHERE police_agency_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, [
        policeAgencyId,
        before(p.after),
        p.first + 1,
      ]);
      return page(rows, p.first, toSignal);
    },
    async listUnmatched(districtId, p) {
      const rows = await client.query(
        `SELECT ${SIGNAL_COLUMNS} FROM signals s WHERE state = 'UNMATCHED' AND police_district_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
        [districtId, before(p.after), p.first + 1],
      );
      return page(rows, p.first, toSignal);
    },
    async listEscalated(districtId, p) {
      const rows = await client.query(
        `SELECT ${SIGNAL_COLUMNS} FROM signals s JOIN agencies a ON a.id = s.school_agency_id
         WHERE s.escalated_at IS NOT NULL AND a.district_id = $1 AND s.id < $2 ORDER BY s.id DESC LIMIT $3`,
        [districtId, before(p.after), p.first + 1],
      );
      return page(rows, p.first, toSignal);
    },
    async flaggedAmong(schoolAgencyId, subjectIds, since) {
      if (subjectIds.length === 0) return new Set();
      const rows = await client.query(
        `SELECT DISTINCT subject_id FROM signals WHERE school_agency_id = $1 AND subject_id = ANY($2::text[]) AND routed_at >= $3`,
        [schoolAgencyId, subjectIds, since],
      );
      return new Set(rows.map((r) => String(r.subject_id)));
    },
    async purgeReceivedBefore(at) {
      const rows = await client.query('DELETE FROM signals WHERE received_at < $1 RETURNING id', [at]);
      return rows.length;
    },
    async insertReport(tx, r) {
      await sqlOf(tx).query(
        `INSERT INTO school_reports (id, school_agency_id, police_agency_id, subject_id, kind, summary, reported_by, reported_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [r.id, r.schoolAgencyId, r.policeAgencyId, r.subjectId, r.kind, summary.seal(r.summary), r.reportedBy, r.reportedAt],
      );
    },
    async getReport(id, tx) {
      const [row] = await runnerFor(client, tx).query('SELECT * FROM school_reports WHERE id = $1', [id]);
      return row ? toReport(row) : null;
    },
    async acknowledgeReport(tx, id, at, by) {
      const rows = await sqlOf(tx).query(
        'UPDATE school_reports SET acknowledged_at = $2, acknowledged_by = $3 WHERE id = $1 AND acknowledged_at IS NULL RETURNING id',
        [id, at, by],
      );
      return rows.length > 0;
    },
    listReportsForSchool: (schoolAgencyId, p) => reportsOf('school_agency_id', schoolAgencyId, p),
    listReportsForPolice: (policeAgencyId, p) => reportsOf('police_agency_id', policeAgencyId, p),
  };
}
