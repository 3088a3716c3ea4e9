import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { Context, Hono } from 'hono';
import type { Logger } from 'pino';
import type { ConnectorCaller, ConnectorEnv } from '../../shared/use-connector-auth.js';
import { createCapabilityStatement, REPORT_RESOURCE_TYPES } from './capability-statement.js';
import { reportsFromFhir, type HospitalReportDraft } from './fhir-to-report.js';
import type { FhirTaskStore } from './fhir-task-store.js';
import { CARELOOP_SYSTEMS, TASK_CODE_SYSTEM } from './fhir-vocabulary.js';
import {
  conflict,
  FhirInputError,
  forbidden,
  informationOutcome,
  invalidInput,
  notFound,
  notSupported,
  operationOutcome,
  tooLarge,
  unsupportedMediaType,
} from './operation-outcome.js';

export interface FhirRoutesDeps {
  /** Where the FHIR endpoint lives, e.g. `/fhir/r4`. */
  base: string;
  agencyId: string;
  tasks: FhirTaskStore;
  /** Hands the reports to the hub on behalf of the caller; returns the ids of the events, one per draft. */
  submit(drafts: HospitalReportDraft[], caller: ConnectorCaller): Promise<string[]>;
  logger: Logger;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const MAX_BODY_CHARS = 1_000_000;
const MAX_COUNT = 100;
const DEFAULT_COUNT = 50;
const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;
const ACCEPTED = 'Accepted for delivery to the hub.';

const fhir = (body: Resource, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': FHIR_JSON } });

/** The caller the auth middleware proved; without one (or another agency's) nothing is written. */
function callerOf(c: Context<ConnectorEnv>, agencyId: string): ConnectorCaller {
  const caller = c.get('caller') as ConnectorCaller | undefined;
  if (!caller || caller.agencyId !== agencyId) throw forbidden("The caller is not this agency's system.");
  return caller;
}

/** Parsed here rather than by Hono so that every malformed body gets an OperationOutcome, not a framework error. */
async function fhirBody(c: Context<ConnectorEnv>): Promise<unknown> {
  if (!/^application\/(fhir\+)?json\s*(;|$)/i.test(c.req.header('content-type') ?? '')) throw unsupportedMediaType('Send application/fhir+json.');
  if (Number(c.req.header('content-length') ?? 0) > MAX_BODY_CHARS) throw tooLarge('The body is too large.');
  const text = await c.req.text();
  if (text.length > MAX_BODY_CHARS) throw tooLarge('The body is too large.');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidInput('The body is not valid JSON.');
  }
}

/** Task search parameters, each either this connector's one value or an unmatchable one (then nothing is found). */
function taskQuery(c: Context<ConnectorEnv>, agencyId: string) {
  const param = (name: string) => c.req.query(name) || undefined;
  const countText = param('_count');
  if (countText !== undefined && !/^\d{1,6}$/.test(countText)) throw invalidInput('_count must be a whole number.', ['_count']);
  const limit = Math.min(countText === undefined ? DEFAULT_COUNT : Number(countText), MAX_COUNT);
  const owner = param('owner');
  const ownerIdentifier = param('owner:identifier');
  const identifier = param('identifier');
  const code = param('code');
  const matchesNothing =
    (owner !== undefined && owner !== agencyId && owner !== `Organization/${agencyId}`) ||
    (ownerIdentifier !== undefined && ownerIdentifier !== `${CARELOOP_SYSTEMS.agency}|${agencyId}` && ownerIdentifier !== agencyId) ||
    (identifier?.includes('|') && !identifier.startsWith(`${CARELOOP_SYSTEMS.referralCode}|`)) ||
    (code !== undefined && code !== 'fulfill' && code !== `${TASK_CODE_SYSTEM}|fulfill`);
  const referralCode = identifier?.split('|').pop();
  return { matchesNothing: !!matchesNothing, limit, status: param('status'), code: referralCode };
}

/**
 * The connector's FHIR R4 endpoint for the hospital's EHR: it reads the referrals addressed to this agency as
 * ServiceRequest + Task and reports back with the resources it already writes. Auth is mounted in front by the
 * connector; every answer, refusals included, is FHIR JSON, and logs carry no value from a body.
 */
export function mountFhirRoutes(app: Hono<ConnectorEnv>, deps: FhirRoutesDeps): void {
  const { base, agencyId, tasks } = deps;
  const log = deps.logger.child({ component: 'fhir', agencyId });
  const capability = createCapabilityStatement({ baseUrl: base, date: new Date().toISOString() });
  const baseUrl = (c: Context<ConnectorEnv>) => `${new URL(c.req.url).origin}${base}`;

  /** Runs a handler, answering a refusal with its outcome and anything else with a bare 500 outcome. */
  const answer = (kind: string, handler: (c: Context<ConnectorEnv>) => Promise<Response>) => async (c: Context<ConnectorEnv>) => {
    try {
      return await handler(c);
    } catch (error) {
      if (error instanceof FhirInputError) {
        log.info({ kind, status: error.status, code: error.outcome.issue[0]?.code }, 'fhir request refused');
        return fhir(error.outcome, error.status);
      }
      log.error({ kind, error: error instanceof Error ? error.name : typeof error }, 'fhir request failed');
      return fhir(operationOutcome('error', 'exception', 'The connector could not handle the request.'), 500);
    }
  };

  const submit = async (c: Context<ConnectorEnv>, kind: string, drafts: HospitalReportDraft[]) => {
    const ids = await deps.submit(drafts, callerOf(c, agencyId));
    log.info({ kind, reports: drafts.length }, 'fhir reports accepted');
    return ids;
  };

  app.get(
    `${base}/metadata`,
    answer('metadata', async () => fhir(capability)),
  );

  app.get(
    `${base}/Task`,
    answer('search', async (c) => {
      const query = taskQuery(c, agencyId);
      const found = query.matchesNothing ? [] : await tasks.search({ owner: agencyId, status: query.status, code: query.code, limit: query.limit });
      const url = baseUrl(c);
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'searchset',
        link: [{ relation: 'self', url: `${url}/Task${new URL(c.req.url).search}` }],
        entry: found.map((task) => ({ fullUrl: `${url}/Task/${task.id}`, resource: task, search: { mode: 'match' } })),
      };
      return fhir(bundle);
    }),
  );

  app.get(
    `${base}/Task/:id`,
    answer('read', async (c) => {
      const id = c.req.param('id') ?? '';
      const record = FHIR_ID.test(id) ? await tasks.get(id) : null;
      if (!record) throw notFound('No Task of this agency has this id.', ['Task.id']);
      return fhir(record.task);
    }),
  );

  app.get(
    `${base}/ServiceRequest/:id`,
    answer('read', async (c) => {
      const id = c.req.param('id') ?? '';
      const record = FHIR_ID.test(id) ? await tasks.get(id) : null;
      if (!record?.serviceRequest) throw notFound('No ServiceRequest of this agency has this id.', ['ServiceRequest.id']);
      return fhir(record.serviceRequest);
    }),
  );

  app.put(
    `${base}/Task/:id`,
    answer('Task', async (c) => {
      const id = c.req.param('id') ?? '';
      const body = await fhirBody(c);
      const bodyId = (body as { id?: unknown } | null)?.id;
      if ((body as { resourceType?: unknown } | null)?.resourceType !== 'Task' || bodyId !== id)
        throw invalidInput('The body must be the Task named by the URL, with its id.', ['Task.id']);
      if (!FHIR_ID.test(id) || !(await tasks.knows(id))) throw notFound('No Task of this agency has this id.', ['Task.id']);
      // The Task's own referral was found just above; it is not looked up again.
      const drafts = await reportsFromFhir(body, { knownReferral: async (referralId) => referralId === id || (await tasks.knows(referralId)) });
      if (drafts.some((d) => d.referralId !== id)) throw conflict('The Task names another referral than its own id.', ['Task.focus']);
      const ids = await submit(c, 'Task', drafts);
      return fhir(informationOutcome(ACCEPTED, `events: ${ids.join(', ')}`), 202);
    }),
  );

  app.post(
    `${base}/:type`,
    answer('create', async (c) => {
      const type = c.req.param('type') ?? '';
      const body = await fhirBody(c);
      if (!(REPORT_RESOURCE_TYPES as readonly string[]).includes(type)) throw notSupported('The connector takes no resource of this type.', ['resourceType']);
      if ((body as { resourceType?: unknown } | null)?.resourceType !== type)
        throw invalidInput('The body is not of the type the URL names.', ['resourceType']);
      const drafts = await reportsFromFhir(body, { knownReferral: (referralId) => tasks.knows(referralId) });
      const ids = await submit(c, type, drafts);
      return fhir(informationOutcome(ACCEPTED, `events: ${ids.join(', ')}`), 202);
    }),
  );

  app.post(
    base,
    answer('Bundle', async (c) => {
      const body = await fhirBody(c);
      if ((body as { resourceType?: unknown } | null)?.resourceType !== 'Bundle')
        throw invalidInput('Post a transaction or batch Bundle to the base.', ['resourceType']);
      const drafts = await reportsFromFhir(body, { knownReferral: (referralId) => tasks.knows(referralId) });
      const ids = await submit(c, 'Bundle', drafts);
      const entry: BundleEntry[] = ids.map((id) => ({
        response: { status: '202 Accepted', outcome: informationOutcome(ACCEPTED, `event: ${id}`) },
      }));
      const type = (body as Bundle).type === 'batch' ? 'batch-response' : 'transaction-response';
      return fhir({ resourceType: 'Bundle', type, entry }, 202);
    }),
  );
}
