import type { ServiceRequest, Task } from '@medplum/fhirtypes';
import type { FhirTaskStore } from '../../connectors/hospital/fhir/fhir-task-store.js';
import type { DataCipher } from '../crypto/data-cipher.js';
import { sealedColumn } from './sealed-column.js';
import type { SqlClient } from './sql-client.js';

/** The hospital connector's FHIR Tasks on SQL (migration set `connector`); the resources are stored sealed. */
export function createSqlFhirTaskStore(client: SqlClient, agencyId: string, cipher: DataCipher): FhirTaskStore {
  const task = sealedColumn(cipher, 'fhir_tasks.task');
  const serviceRequest = sealedColumn(cipher, 'fhir_tasks.service_request');
  const parsed = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));
  return {
    async upsert(referralId, ownerAgencyId, value, request, code, push) {
      // $9: whether this change is to be pushed. A Task already waiting keeps its attempts and back-off (the
      // hospital's endpoint is not any less down because the Task changed); the push then sends this newer state.
      await client.query(
        `INSERT INTO fhir_tasks (agency_id, referral_id, code, status, owner, task, service_request, updated_at,
           push_pending, push_version, push_attempts, next_push_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::boolean, CASE WHEN $9::boolean THEN 1 ELSE 0 END, 0, $10::timestamptz)
         ON CONFLICT (agency_id, referral_id) DO UPDATE SET code = EXCLUDED.code, status = EXCLUDED.status, owner = EXCLUDED.owner,
           task = EXCLUDED.task, service_request = COALESCE(EXCLUDED.service_request, fhir_tasks.service_request), updated_at = EXCLUDED.updated_at,
           push_version = fhir_tasks.push_version + CASE WHEN $9::boolean THEN 1 ELSE 0 END,
           push_attempts = CASE WHEN $9::boolean AND NOT fhir_tasks.push_pending THEN 0 ELSE fhir_tasks.push_attempts END,
           next_push_at = CASE WHEN $9::boolean AND NOT fhir_tasks.push_pending THEN EXCLUDED.next_push_at ELSE fhir_tasks.next_push_at END,
           push_pending = fhir_tasks.push_pending OR $9::boolean`,
        [
          agencyId,
          referralId,
          code,
          value.status,
          ownerAgencyId,
          task.seal(JSON.stringify(value)),
          serviceRequest.seal(request ? JSON.stringify(request) : null),
          new Date(),
          push !== undefined,
          push?.dueAt ?? null,
        ],
      );
    },
    async get(referralId) {
      const [row] = await client.query('SELECT code, owner, task, service_request FROM fhir_tasks WHERE agency_id = $1 AND referral_id = $2', [
        agencyId,
        referralId,
      ]);
      if (!row) return null;
      return {
        referralId,
        code: String(row.code),
        ownerAgencyId: String(row.owner),
        task: parsed<Task>(task.open(row.task)) as Task,
        serviceRequest: parsed<ServiceRequest>(serviceRequest.open(row.service_request)),
      };
    },
    async search(query) {
      const rows = await client.query(
        `SELECT task FROM fhir_tasks WHERE agency_id = $1 AND ($2::text IS NULL OR owner = $2) AND ($3::text IS NULL OR status = $3)
         AND ($4::text IS NULL OR code = $4) ORDER BY updated_at DESC, referral_id LIMIT $5`,
        [agencyId, query.owner ?? null, query.status ?? null, query.code ?? null, Math.max(0, Math.floor(query.limit))],
      );
      return rows.map((r) => parsed<Task>(task.open(r.task)) as Task);
    },
    async knows(referralId) {
      return (await client.query('SELECT 1 FROM fhir_tasks WHERE agency_id = $1 AND referral_id = $2', [agencyId, referralId])).length === 1;
    },
    async duePushes(now, limit) {
      const rows = await client.query(
        `SELECT referral_id, code, owner, task, service_request, push_version, push_attempts FROM fhir_tasks
         WHERE agency_id = $1 AND push_pending AND next_push_at <= $2 ORDER BY next_push_at, referral_id LIMIT $3`,
        [agencyId, now, Math.max(0, Math.floor(limit))],
      );
      return rows.map((row) => ({
        record: {
          referralId: String(row.referral_id),
          code: String(row.code),
          ownerAgencyId: String(row.owner),
          task: parsed<Task>(task.open(row.task)) as Task,
          serviceRequest: parsed<ServiceRequest>(serviceRequest.open(row.service_request)),
        },
        version: Number(row.push_version),
        attempts: Number(row.push_attempts),
      }));
    },
    async pushSucceeded(referralId, version, status) {
      await client.query(
        `UPDATE fhir_tasks SET push_pending = (push_version <> $3), push_attempts = 0, last_push_status = $4,
           next_push_at = CASE WHEN push_version <> $3 THEN next_push_at ELSE NULL END
         WHERE agency_id = $1 AND referral_id = $2`,
        [agencyId, referralId, version, status],
      );
    },
    async pushFailed(referralId, attempts, nextPushAt, status) {
      await client.query(
        `UPDATE fhir_tasks SET push_attempts = $3, next_push_at = $4, last_push_status = $5
         WHERE agency_id = $1 AND referral_id = $2 AND push_pending`,
        [agencyId, referralId, attempts, nextPushAt, status],
      );
    },
    async pendingPushes() {
      const [row] = await client.query('SELECT count(*) AS n FROM fhir_tasks WHERE agency_id = $1 AND push_pending', [agencyId]);
      return Number(row?.n ?? 0);
    },
  };
}
