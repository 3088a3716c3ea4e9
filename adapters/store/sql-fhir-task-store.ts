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
    async upsert(referralId, ownerAgencyId, value, request, code) {
      await client.query(
        `INSERT INTO fhir_tasks (agency_id, referral_id, code, status, owner, task, service_request, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (agency_id, referral_id) DO UPDATE SET code = EXCLUDED.code, status = EXCLUDED.status, owner = EXCLUDED.owner,
           task = EXCLUDED.task, service_request = COALESCE(EXCLUDED.service_request, fhir_tasks.service_request), updated_at = EXCLUDED.updated_at`,
        [
          agencyId,
          referralId,
          code,
          value.status,
          ownerAgencyId,
          task.seal(JSON.stringify(value)),
          serviceRequest.seal(request ? JSON.stringify(request) : null),
          new Date(),
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
  };
}
