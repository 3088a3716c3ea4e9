import { Hono } from 'hono';
import { pino } from 'pino';
import { createEphemeralDataCipher } from '../../../adapters/crypto/data-cipher.js';
import { migrate } from '../../../adapters/store/migrate.js';
import { createPgliteClient } from '../../../adapters/store/pglite-client.js';
import { createSqlFhirTaskStore } from '../../../adapters/store/sql-fhir-task-store.js';
import type { ConnectorCaller, ConnectorEnv } from '../../shared/use-connector-auth.js';
import type { HospitalReportDraft } from './fhir-to-report.js';
import { mountFhirRoutes } from './fhir-routes.js';
import { referralToFhir } from './referral-to-fhir.js';
import { HOSPITAL_ID, sentReferral } from './fhir-test-data.js';

export const BASE = '/fhir/r4';

/**
 * The FHIR routes as the connector mounts them, on an in-memory store holding one referral (`ref-0001`), with a
 * stand-in for the auth middleware and a `submit` that records what would go to the hub. Shared by the route tests.
 */
export async function createFhirTestApp() {
  const client = await createPgliteClient({});
  await migrate(client, 'connector');
  const tasks = createSqlFhirTaskStore(client, HOSPITAL_ID, createEphemeralDataCipher());
  const { task, serviceRequest } = referralToFhir(sentReferral(), HOSPITAL_ID);
  await tasks.upsert('ref-0001', HOSPITAL_ID, task, serviceRequest, 'GC-4821');
  const submitted: Array<{ drafts: HospitalReportDraft[]; caller: ConnectorCaller }> = [];
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const app = new Hono<ConnectorEnv>();
  app.use('*', async (c, next) => {
    c.set('caller', { agencyId: HOSPITAL_ID, credential: 'api-key:test' });
    await next();
  });
  let next = 0;
  mountFhirRoutes(app, {
    base: BASE,
    agencyId: HOSPITAL_ID,
    tasks,
    logger,
    submit: async (drafts, caller) => {
      submitted.push({ drafts, caller });
      return drafts.map(() => `evt-${++next}`);
    },
  });
  const send = (method: string, path: string, body?: unknown, contentType = 'application/fhir+json') =>
    app.request(`${BASE}${path}`, {
      method,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': contentType } }),
    });
  return { app, tasks, client, submitted, logLines, send };
}
