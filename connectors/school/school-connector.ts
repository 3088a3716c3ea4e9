import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createSignedEvent } from '../../adapters/messaging/signed-event.js';
import { HUB_AGENCY_ID } from '../../core/development-seed.js';
import { CareloopError, ERROR_CODES, httpErrorBody } from '../../core/errors.js';
import { TOPICS } from '../../core/messages/topics.js';
import type { AgencySigner } from '../../core/ports/keys.js';
import { SCREENING_EVENT_TYPES } from '../../core/warning/screening-events.js';
import { createConnector, type ConnectorBaseOptions } from '../shared/create-connector.js';
import { mapReferralEventForSchool } from './referral-mapping.js';
import { parseScreeningCsv } from './screening-csv.js';
import { mapCareEventForSchool, mapEnrolmentEventForSchool, mapScreeningEventForSchool, mapSignalEventForSchool } from './warning-mapping.js';
import { ENROLMENT_EVENT_TYPES, ENROLMENT_IDENTITIES_PURPOSE } from '../../core/enrolment/enrolment-events.js';
import { checkResidentId, RESIDENT_ID_PROBLEMS } from '../../core/enrolment/resident-id.js';
import type { RejectedLine } from '../../core/validation/rejected-line.js';
import { hubEnvelopes } from '../shared/hub-envelopes.js';
import { readJsonBody } from '../shared/json-body.js';
import { enrolmentRequest } from './enrolment-api.js';

/**
 * The school connector: delivers what the hub tells the school (per capability mapping) through its inbox, and takes
 * the school's screening census as CSV (`POST /imports/screenings`), sending its rows to the hub in batches signed
 * with the school's own key.
 */
export function createSchoolConnector(options: ConnectorBaseOptions & { signer: AgencySigner }) {
  const log = options.logger.child({ connector: 'school', agencyId: options.agencyId });
  const envelopes = hubEnvelopes(options.directory);
  /**
   * The bus key of every register change and census batch the school sends: one school's events are applied in the
   * order it sent them ("left" before "enrolled" for one student number; enrolment before the census that names the
   * child), also when several hub replicas share the topic.
   */
  const schoolKey = `school:${options.agencyId}`;
  return createConnector({
    ...options,
    kind: 'school',
    mapInbound: (event) =>
      mapReferralEventForSchool(event) ??
      mapScreeningEventForSchool(event) ??
      mapCareEventForSchool(event) ??
      mapEnrolmentEventForSchool(event) ??
      mapSignalEventForSchool(event),
    routes(app) {
      // The register: enrolments (with the child's resident identity number), leavers. Lines refused here (a
      // number that does not check) are answered at once; the rest go to the hub sealed in one envelope.
      app.post('/v1/enrolments', async (c) => {
        const body = await readJsonBody(c, enrolmentRequest);
        if (!body.ok) return body.response;
        const today = options.clock.now().toISOString().slice(0, 10);
        const rejected: RejectedLine[] = [];
        const accepted: Array<{ line: number; change: (typeof body.value.changes)[number]; residentId: string }> = [];
        body.value.changes.forEach((change, i) => {
          const line = i + 1;
          if (change.change === 'LEFT') return void accepted.push({ line, change, residentId: '' });
          if (!change.residentId?.trim()) return void rejected.push({ line, code: 'REQUIRED', reason: 'an enrolment needs the resident identity number' });
          const checked = checkResidentId(change.residentId, today);
          if (!checked.ok) return void rejected.push({ line, code: 'RESIDENT_ID_INVALID', reason: RESIDENT_ID_PROBLEMS[checked.problem] });
          accepted.push({ line, change, residentId: checked.residentId });
        });
        const batchId = randomUUID();
        if (accepted.length > 0) {
          const identities = await envelopes.seal(JSON.stringify(accepted.map((a) => a.residentId)), ENROLMENT_IDENTITIES_PURPOSE);
          const event = await createSignedEvent({
            signer: options.signer,
            type: ENROLMENT_EVENT_TYPES.changes,
            subject: batchId,
            key: schoolKey,
            recipient: HUB_AGENCY_ID,
            data: {
              batchId,
              batch: 1,
              identities,
              changes: accepted.map(({ line, change }) => ({
                line,
                studentNumber: change.studentNumber,
                change: change.change,
                grade: change.grade,
                classRef: change.classRef,
                on: change.on,
              })),
            },
            time: options.clock.now(),
          });
          await options.bus.publish(TOPICS.hubInbound, [event]);
        }
        log.info({ batchId, accepted: accepted.length, rejected: rejected.length }, 'enrolment changes sent to hub');
        return c.json({ batchId: accepted.length > 0 ? batchId : null, accepted: accepted.length, rejected }, 202);
      });
      app.post('/imports/screenings', async (c) => {
        const body = c.req.raw.body;
        if (!body) return c.json(httpErrorBody('BAD_USER_INPUT', 'The request has no file.'), 400);
        const importId = randomUUID();
        let batches = 0;
        try {
          const report = await parseScreeningCsv(Readable.fromWeb(body as WebReadableStream<Uint8Array>), {
            today: options.clock.now().toISOString().slice(0, 10),
            async send(rows) {
              const event = await createSignedEvent({
                signer: options.signer,
                type: SCREENING_EVENT_TYPES.results,
                subject: importId,
                key: schoolKey,
                recipient: HUB_AGENCY_ID,
                data: { importId, batch: ++batches, rows },
                time: options.clock.now(),
              });
              await options.bus.publish(TOPICS.hubInbound, [event]);
            },
          });
          log.info({ importId, rows: report.rows, accepted: report.accepted, rejected: report.rejectedCount, batches }, 'screening import sent to hub');
          return c.json({ importId, batches, ...report }, 202);
        } catch (error) {
          if (error instanceof CareloopError && (error.code === 'BAD_USER_INPUT' || error.code === 'PAYLOAD_TOO_LARGE')) {
            // Batches already sent stand: the hub applies them, and the inbox reports them under this import id.
            log.warn({ importId, batches, code: error.code }, 'screening import refused');
            return c.json(httpErrorBody(error.code, error.message, { importId, batches, ...error.details }), ERROR_CODES[error.code].status);
          }
          throw error;
        }
      });
    },
  });
}
