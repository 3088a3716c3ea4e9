import type { PolicyContext, PolicyContextSource } from '../../core/access/policy-context.js';
import type { Emergency, GuardianNotice } from '../../core/consent/emergency.js';
import { linkKeyOf, type Consent, type GuardianConcernReview, type GuardianLink, type GuardianLinkKey, type Relationship } from '../../core/consent/consent.js';
import type { Transaction } from '../../core/ports/unit-of-work.js';
import type { ConsentStore } from '../../core/consent/consent-store.js';
import type { DataCipher } from '../crypto/data-cipher.js';
import { sealedColumn } from './sealed-column.js';
import type { SqlClient } from './sql-client.js';
import { runnerFor, sqlOf } from './sql-unit-of-work.js';
import { asDate, optDate, optText } from './sql-values.js';

type Row = Record<string, unknown>;

const textArray = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** Consents and guardian links on SQL (migration set `hub`, 0010); also the policy's facts about the child. */
export function createSqlConsentStore(client: SqlClient, cipher: DataCipher): ConsentStore & PolicyContextSource {
  const evidence = sealedColumn(cipher, 'consents.evidence');
  const suspicionReason = sealedColumn(cipher, 'guardian_links.suspicion_reason');
  const concernReviewNote = sealedColumn(cipher, 'guardian_concern_reviews.note');
  const justification = sealedColumn(cipher, 'emergencies.justification');
  const reviewNote = sealedColumn(cipher, 'emergencies.review_note');
  const toEmergency = (r: Row): Emergency => ({
    id: String(r.id),
    subjectId: String(r.subject_id),
    schoolAgencyId: String(r.school_agency_id),
    declaredByAgency: String(r.declared_by_agency),
    declaredByUser: String(r.declared_by_user),
    declaredByRole: String(r.declared_by_role),
    justification: justification.open(r.justification) ?? '',
    declaredAt: asDate(r.declared_at),
    expiresAt: asDate(r.expires_at),
    reviewedBy: optText(r.reviewed_by),
    reviewedAt: optDate(r.reviewed_at),
    reviewNote: reviewNote.open(r.review_note),
  });
  const toConsent = (r: Row): Consent => ({
    id: String(r.id),
    subjectId: String(r.subject_id),
    guardianUserId: String(r.guardian_user_id),
    schoolAgencyId: String(r.school_agency_id),
    purposes: textArray(r.purposes) as Consent['purposes'],
    categories: textArray(r.categories) as Consent['categories'],
    recipients: textArray(r.recipients) as Consent['recipients'],
    validFrom: asDate(r.valid_from),
    validUntil: optDate(r.valid_until),
    evidence: evidence.open(r.evidence) ?? '',
    recordedBy: String(r.recorded_by),
    recordedAt: asDate(r.recorded_at),
    version: Number(r.version),
    revokedAt: optDate(r.revoked_at),
    revokedBy: optText(r.revoked_by),
  });
  const toLink = (r: Row): GuardianLink => ({
    schoolAgencyId: String(r.school_agency_id),
    guardianUserId: String(r.guardian_user_id),
    subjectId: String(r.subject_id),
    linkedBy: String(r.linked_by),
    linkedAt: asDate(r.linked_at),
    suspectedOfHarm: r.suspected_of_harm === true,
    concern:
      r.suspicion_recorded_at === null || r.suspicion_recorded_at === undefined
        ? null
        : {
            recordedBy: String(r.suspicion_recorded_by),
            recordedAt: asDate(r.suspicion_recorded_at),
            reason: suspicionReason.open(r.suspicion_reason),
            reviewedBy: optText(r.suspicion_reviewed_by),
            reviewedAt: optDate(r.suspicion_reviewed_at),
          },
  });
  async function insertReview(tx: Transaction, key: GuardianLinkKey, review: GuardianConcernReview) {
    await sqlOf(tx).query(
      `INSERT INTO guardian_concern_reviews (school_agency_id, subject_id, guardian_user_id, at, by_user, outcome, note)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [key.schoolAgencyId, key.subjectId, key.guardianUserId, review.at, review.by, review.outcome, concernReviewNote.seal(review.note)],
    );
  }
  return {
    async insert(tx, c) {
      await sqlOf(tx).query(
        `INSERT INTO consents (id, subject_id, guardian_user_id, school_agency_id, purposes, categories, recipients, valid_from, valid_until, evidence,
           recorded_by, recorded_at, version)
         VALUES ($1, $2, $3, $4, $5::text[], $6::text[], $7::text[], $8, $9, $10, $11, $12, $13)`,
        [
          c.id,
          c.subjectId,
          c.guardianUserId,
          c.schoolAgencyId,
          c.purposes,
          c.categories,
          c.recipients,
          c.validFrom,
          c.validUntil,
          evidence.seal(c.evidence),
          c.recordedBy,
          c.recordedAt,
          c.version,
        ],
      );
    },
    async get(id, tx) {
      const [row] = await runnerFor(client, tx).query('SELECT * FROM consents WHERE id = $1', [id]);
      return row ? toConsent(row) : null;
    },
    async amend(tx, id, change, by, at) {
      await sqlOf(tx).query(
        `INSERT INTO consent_versions (consent_id, version, purposes, categories, recipients, valid_from, valid_until, evidence, superseded_at, superseded_by)
         SELECT id, version, purposes, categories, recipients, valid_from, valid_until, evidence, $2, $3 FROM consents WHERE id = $1 AND revoked_at IS NULL`,
        [id, at, by],
      );
      const rows = await sqlOf(tx).query(
        `UPDATE consents SET purposes = $2::text[], categories = $3::text[], recipients = $4::text[], valid_until = $5, evidence = $6, version = version + 1
         WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
        [id, change.purposes, change.categories, change.recipients, change.validUntil, evidence.seal(change.evidence)],
      );
      return rows.length > 0;
    },
    async revoke(tx, id, at, by) {
      const rows = await sqlOf(tx).query('UPDATE consents SET revoked_at = $2, revoked_by = $3 WHERE id = $1 AND revoked_at IS NULL RETURNING id', [
        id,
        at,
        by,
      ]);
      return rows.length > 0;
    },
    async forSubject(subjectId) {
      return (await client.query('SELECT * FROM consents WHERE subject_id = $1 ORDER BY recorded_at, id', [subjectId])).map(toConsent);
    },
    async holdingFor(subjectIds, at) {
      if (subjectIds.length === 0) return [];
      const rows = await client.query(
        `SELECT * FROM consents WHERE subject_id = ANY($1::text[]) AND valid_from <= $2 AND (valid_until IS NULL OR valid_until > $2)
           AND (revoked_at IS NULL OR revoked_at > $2)`,
        [subjectIds, at],
      );
      return rows.map(toConsent);
    },
    async link(tx, l) {
      await sqlOf(tx).query(
        `INSERT INTO guardian_links (school_agency_id, guardian_user_id, subject_id, linked_by, linked_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (school_agency_id, guardian_user_id, subject_id) DO NOTHING`,
        [l.schoolAgencyId, l.guardianUserId, l.subjectId, l.linkedBy, l.linkedAt],
      );
    },
    async lockLink(tx, key) {
      const [row] = await sqlOf(tx).query('SELECT * FROM guardian_links WHERE school_agency_id = $1 AND subject_id = $2 AND guardian_user_id = $3 FOR UPDATE', [
        key.schoolAgencyId,
        key.subjectId,
        key.guardianUserId,
      ]);
      return row ? toLink(row) : null;
    },
    async setSuspicion(tx, key, s) {
      const where = 'WHERE school_agency_id = $1 AND subject_id = $2 AND guardian_user_id = $3';
      const params = [key.schoolAgencyId, key.subjectId, key.guardianUserId, s.by, s.at];
      if (s.suspected) {
        await sqlOf(tx).query(
          `UPDATE guardian_links SET suspected_of_harm = true, suspicion_recorded_by = $4, suspicion_recorded_at = $5, suspicion_reason = $6,
             suspicion_reviewed_by = NULL, suspicion_reviewed_at = NULL ${where}`,
          [...params, suspicionReason.seal(s.reason)],
        );
        return;
      }
      await sqlOf(tx).query(`UPDATE guardian_links SET suspected_of_harm = false, suspicion_reviewed_by = $4, suspicion_reviewed_at = $5 ${where}`, params);
      await insertReview(tx, key, { by: s.by, at: s.at, outcome: 'CLEARED', note: s.reason });
    },
    async reviewSuspicion(tx, key, review) {
      await sqlOf(tx).query(
        'UPDATE guardian_links SET suspicion_reviewed_by = $4, suspicion_reviewed_at = $5 WHERE school_agency_id = $1 AND subject_id = $2 AND guardian_user_id = $3',
        [key.schoolAgencyId, key.subjectId, key.guardianUserId, review.by, review.at],
      );
      await insertReview(tx, key, { ...review, outcome: 'KEPT' });
    },
    async concernReviews(links) {
      const out = new Map<string, GuardianConcernReview[]>();
      const withConcern = links.filter((l) => l.concern);
      if (withConcern.length === 0) return out;
      const rows = await client.query(
        `SELECT school_agency_id, subject_id, guardian_user_id, at, by_user, outcome, note FROM guardian_concern_reviews
          WHERE subject_id = ANY($1::text[]) ORDER BY at, id`,
        [[...new Set(withConcern.map((l) => l.subjectId))]],
      );
      // Only the reviews of the suspicion on record now: an earlier, cleared one's reviews stay in the table.
      const since = new Map(withConcern.map((l) => [linkKeyOf(l), l.concern!.recordedAt.getTime()]));
      for (const r of rows) {
        const key = linkKeyOf({ schoolAgencyId: String(r.school_agency_id), subjectId: String(r.subject_id), guardianUserId: String(r.guardian_user_id) });
        const from = since.get(key);
        const at = asDate(r.at);
        if (from === undefined || at.getTime() < from) continue;
        out.set(key, [
          ...(out.get(key) ?? []),
          { at, by: String(r.by_user), outcome: r.outcome === 'CLEARED' ? 'CLEARED' : 'KEPT', note: concernReviewNote.open(r.note) },
        ]);
      }
      return out;
    },
    async standingSuspicions(schoolAgencyId, first, exceptGuardian) {
      // The caller's own link is left out here, before the limit, so that no page comes back short of one they may
      // not see: a short page would tell a staff member who is also a guardian that a suspicion stands against them.
      const rows = await client.query(
        `SELECT * FROM guardian_links WHERE school_agency_id = $1 AND suspected_of_harm AND guardian_user_id <> $3
          ORDER BY coalesce(suspicion_reviewed_at, suspicion_recorded_at), subject_id, guardian_user_id LIMIT $2`,
        [schoolAgencyId, first, exceptGuardian],
      );
      return rows.map(toLink);
    },
    async guardiansOf(subjectId) {
      return (await client.query('SELECT * FROM guardian_links WHERE subject_id = $1 ORDER BY linked_at', [subjectId])).map(toLink);
    },
    async childrenOf(g) {
      return (
        await client.query('SELECT * FROM guardian_links WHERE school_agency_id = $1 AND guardian_user_id = $2 ORDER BY subject_id', [
          g.schoolAgencyId,
          g.guardianUserId,
        ])
      ).map(toLink);
    },
    async insertEmergency(tx, e) {
      await sqlOf(tx).query(
        `INSERT INTO emergencies (id, subject_id, school_agency_id, declared_by_agency, declared_by_user, declared_by_role, justification, declared_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          e.id,
          e.subjectId,
          e.schoolAgencyId,
          e.declaredByAgency,
          e.declaredByUser,
          e.declaredByRole,
          justification.seal(e.justification),
          e.declaredAt,
          e.expiresAt,
        ],
      );
    },
    async getEmergency(id) {
      const [row] = await client.query('SELECT * FROM emergencies WHERE id = $1', [id]);
      return row ? toEmergency(row) : null;
    },
    async unreviewedEmergencies(schoolAgencyIds, first) {
      if (schoolAgencyIds.length === 0) return [];
      const rows = await client.query(
        'SELECT * FROM emergencies WHERE reviewed_at IS NULL AND school_agency_id = ANY($1::text[]) ORDER BY declared_at LIMIT $2',
        [schoolAgencyIds, first],
      );
      return rows.map(toEmergency);
    },
    async signOffEmergency(tx, id, review) {
      const rows = await sqlOf(tx).query(
        'UPDATE emergencies SET reviewed_by = $2, reviewed_at = $3, review_note = $4 WHERE id = $1 AND reviewed_at IS NULL RETURNING id',
        [id, review.by, review.at, reviewNote.seal(review.note)],
      );
      return rows.length > 0;
    },
    async addNotice(tx, n) {
      await sqlOf(tx).query(
        'INSERT INTO guardian_notices (id, school_agency_id, guardian_user_id, subject_id, kind, at, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [n.id, n.schoolAgencyId, n.guardianUserId, n.subjectId, n.kind, n.at, n.detail],
      );
    },
    async noticesFor(g) {
      const rows = await client.query('SELECT * FROM guardian_notices WHERE school_agency_id = $1 AND guardian_user_id = $2 ORDER BY at DESC LIMIT 100', [
        g.schoolAgencyId,
        g.guardianUserId,
      ]);
      return rows.map((r): GuardianNotice => ({
        id: String(r.id),
        subjectId: String(r.subject_id),
        kind: r.kind as GuardianNotice['kind'],
        at: asDate(r.at),
        detail: String(r.detail),
      }));
    },
    async contextOf(principal, subjectIds, at) {
      const out = new Map<string, PolicyContext>();
      if (subjectIds.length === 0) return out;
      // One statement: the consents that hold now, and what the caller is to each child.
      const rows = await client.query(
        `SELECT 'consent' AS kind, subject_id, purposes, categories, recipients, NULL::text AS relation, NULL::boolean AS suspected
           FROM consents WHERE subject_id = ANY($1::text[]) AND valid_from <= $2 AND (valid_until IS NULL OR valid_until > $2)
             AND (revoked_at IS NULL OR revoked_at > $2)
         UNION ALL
         SELECT 'relation', subject_id, NULL, NULL, NULL, 'guardian', suspected_of_harm
           FROM guardian_links WHERE subject_id = ANY($1::text[]) AND school_agency_id = $3 AND guardian_user_id = $4
         UNION ALL
         SELECT 'relation', subject_id, NULL, NULL, NULL, CASE role WHEN 'MENTOR' THEN 'mentor' ELSE 'class-teacher' END, NULL
           FROM student_carers WHERE subject_id = ANY($1::text[]) AND school_agency_id = $3 AND user_id = $4
         UNION ALL
         SELECT DISTINCT 'emergency', subject_id, NULL::text[], NULL::text[], NULL::text[], NULL::text, NULL::boolean
           FROM emergencies WHERE subject_id = ANY($1::text[]) AND declared_by_agency = $3 AND declared_by_user = $4 AND declared_at <= $2 AND expires_at > $2`,
        [subjectIds, at, principal.agencyId, principal.userId],
      );
      for (const r of rows) {
        const id = String(r.subject_id);
        const entry = out.get(id) ?? { consents: [], relationships: [], emergency: false };
        if (r.kind === 'emergency') entry.emergency = true;
        else if (r.kind === 'consent')
          entry.consents.push({ purposes: textArray(r.purposes), categories: textArray(r.categories), recipients: textArray(r.recipients) });
        else
          entry.relationships.push({
            kind: r.relation as Relationship['kind'],
            subjectId: id,
            ...(r.relation === 'guardian' ? { suspectedOfHarm: r.suspected === true } : {}),
          });
        out.set(id, entry);
      }
      return out;
    },
  };
}
