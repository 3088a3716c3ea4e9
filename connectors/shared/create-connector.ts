import { EventEmitter } from 'node:events';
import { Hono, type MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import { createVerifiedHandler } from '../../adapters/messaging/verified-handler.js';
import type { VerifiedEvent } from '../../adapters/messaging/signed-event.js';
import type { Clock } from '../../core/clock.js';
import { HUB_AGENCY_ID } from '../../core/development-seed.js';
import { httpErrorBody, MalformedEventError, WrongSignerError } from '../../core/errors.js';
import { connectorAudience, createTokenVerifier } from '../../adapters/crypto/agency-token.js';
import { limitStreamedBody } from '../../adapters/http/limit-streamed-body.js';
import { limitBody } from '../../adapters/http/limit-body.js';
import type { RefusedEvents } from '../../core/ports/refused-events.js';
import type { ConnectorApiKeys } from './connector-api-keys.js';
import { requireMediaType, useConnectorAuth, type ConnectorAuthOptions, type ConnectorEnv } from './use-connector-auth.js';
import { agencyTopic } from '../../core/messages/topics.js';
import type { EventBus, Subscription } from '../../core/ports/event-bus.js';
import type { AgencyDirectory } from '../../core/ports/keys.js';
import type { ConnectorInbox } from './connector-inbox.js';

/**
 * Translates one hub event into what the agency's system understands: one inbox item, or several for an event that
 * carries a batch (one per signal); null means "not for this agency type".
 */
export type InboundMapping = (
  event: VerifiedEvent,
) => { kind: string; payload: Record<string, unknown> } | Array<{ kind: string; payload: Record<string, unknown> }> | null;

export interface ConnectorOptions {
  kind: 'school' | 'hospital' | 'public-safety';
  agencyId: string;
  bus: EventBus;
  directory: AgencyDirectory;
  inbox: ConnectorInbox;
  clock: Clock;
  logger: Logger;
  /** Turns a hub event into an inbox item for the agency's system to fetch. */
  mapInbound?: InboundMapping;
  /**
   * Or applies a hub event to the connector's own records (the hospital's FHIR Tasks); false means the connector
   * does not take that event type.
   */
  applyInbound?: (event: VerifiedEvent) => Promise<boolean>;
  /** Routes the agency type adds to the connector's JSON API (e.g. the hospital's decisions). */
  routes?: (app: Hono<ConnectorEnv>) => void;
  /** The agency's API key (hash); its system may present it instead of a token. */
  apiKeys: ConnectorApiKeys;
  tokenMaxLifetimeSeconds?: number;
  throttle?: ConnectorAuthOptions['throttle'];
  /** Events older than this (or dated in the future beyond it) are refused and dead-lettered. */
  freshnessWindowMs?: number;
  /** Remembers refused event ids, so a refused event cannot be replayed later. */
  refusals: RefusedEvents;
  /** Largest request body the JSON API reads (413 above it). */
  bodyLimitBytes?: number;
  /** Routes of the JSON API that take more (a police system's batch of signals), by path (`/v1/...`). */
  largeBodies?: Record<string, number>;
  /** Largest file an import under `/imports/*` takes (413 above it); imports are streamed, never held whole. */
  importLimitBytes?: number;
}

/** What every agency's connector is built from; the agency type adds its mapping and routes. */
export type ConnectorBaseOptions = Omit<ConnectorOptions, 'kind' | 'mapInbound' | 'applyInbound' | 'routes' | 'largeBodies'>;

const ackBody = z.object({ ids: z.array(z.string().min(1)).min(1).max(500) });

/** A district's census (50,000 rows, about 3 MB) fits several times over. */
export const DEFAULT_IMPORT_LIMIT_BYTES = 32 * 1024 * 1024;

/** The longest an inbox read may be held; below the usual 60 s idle timeout of proxies in between. */
export const MAX_INBOX_WAIT_SECONDS = 30;
/** Held reads per connector: more answer at once, so no client can tie up the process with open requests. */
const MAX_WAITING_READS = 32;
const waitParameter = z
  .string()
  .regex(/^\d{1,6}$/)
  .transform((v) => Math.min(Number(v), MAX_INBOX_WAIT_SECONDS));

/**
 * The runtime every connector shares: it consumes its agency's topic, accepts only events the hub signed, maps
 * them into the agency's format and keeps them in a durable inbox that the agency's system reads over a small
 * JSON API. What the agency sends back leaves as events signed with the agency's own key.
 */
export function createConnector(options: ConnectorOptions) {
  const log = options.logger.child({ connector: options.kind, agencyId: options.agencyId });
  const app = new Hono<ConnectorEnv>();
  let subscription: Subscription | null = null;
  /**
   * Long polling: an agency system may ask the inbox to hold its read until something arrives (`wait` seconds),
   * so it hears of a referral the moment the connector stores it instead of polling. A new item wakes every held
   * read of this process; with several connector replicas a read held on another one answers at its timeout.
   */
  const arrivals = new EventEmitter();
  arrivals.setMaxListeners(MAX_WAITING_READS + 1);
  let waiting = 0;
  const arrival = (ms: number, abandoned: AbortSignal) => {
    let done = () => undefined as void;
    const arrived = new Promise<void>((resolve) => {
      waiting++;
      let settled = false;
      done = () => {
        if (settled) return;
        settled = true;
        waiting--;
        clearTimeout(timer);
        arrivals.off('item', done);
        abandoned.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      arrivals.on('item', done);
      abandoned.addEventListener('abort', done, { once: true });
    });
    return { arrived, cancel: () => done() };
  };

  const auth = useConnectorAuth({
    agencyId: options.agencyId,
    apiKeys: options.apiKeys,
    verifier: createTokenVerifier({
      directory: options.directory,
      clock: options.clock,
      audience: connectorAudience(options.agencyId),
      accepts: { systemOf: options.agencyId },
      maxLifetimeSeconds: options.tokenMaxLifetimeSeconds,
    }),
    logger: log,
    throttle: options.throttle,
  });
  const usualLimit: MiddlewareHandler<ConnectorEnv> = limitBody(options.bodyLimitBytes ?? 100_000);
  const largeLimits = Object.entries(options.largeBodies ?? {}).map(([path, bytes]) => ({ path, limit: limitBody(bytes) as MiddlewareHandler<ConnectorEnv> }));
  // The hub mounts a connector under `/connectors/<agencyId>`, so a route is recognised by how the path ends.
  const jsonApiLimit: MiddlewareHandler<ConnectorEnv> = (c, next) => (largeLimits.find((l) => c.req.path.endsWith(l.path))?.limit ?? usualLimit)(c, next);
  // The credential and the media type are read from the headers first: a body limit may read the body (hono's reads
  // one without Content-Length whole), and a caller without a key must not make a door hold a byte of it.
  for (const [path, limit, type] of [
    ['/v1/*', jsonApiLimit, /^application\/(fhir\+)?json\s*(;|$)/i],
    ['/fhir/*', usualLimit, /^application\/(fhir\+)?json\s*(;|$)/i],
    ['/imports/*', limitStreamedBody(options.importLimitBytes ?? DEFAULT_IMPORT_LIMIT_BYTES), /^text\/csv\s*(;|$)/i],
  ] as const) {
    app.use(path, auth);
    app.use(path, requireMediaType(type));
    app.use(path, limit);
  }
  app.get('/health', (c) => c.json({ status: subscription ? 'up' : 'starting', agencyId: options.agencyId, kind: options.kind }));
  app.get('/v1/inbox', async (c) => {
    const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 100) || 100, 1), 500);
    const wait = waitParameter.safeParse(c.req.query('wait') ?? '0');
    if (!wait.success) return c.json(httpErrorBody('BAD_USER_INPUT', `wait is a whole number of seconds, 0 to ${MAX_INBOX_WAIT_SECONDS}.`), 400);
    // Listening starts before the first read, so an item stored in between still ends the wait.
    const held = wait.data > 0 && waiting < MAX_WAITING_READS ? arrival(wait.data * 1000, c.req.raw.signal) : null;
    let items = await options.inbox.pending(limit);
    if (held && items.length === 0) {
      await held.arrived;
      items = await options.inbox.pending(limit);
    }
    held?.cancel();
    return c.json({ items: items.map((i) => ({ ...i, receivedAt: i.receivedAt.toISOString() })) });
  });
  app.post('/v1/inbox/ack', async (c) => {
    const body = ackBody.safeParse(await c.req.json().catch(() => null));
    if (!body.success) return c.json(httpErrorBody('BAD_USER_INPUT', 'Expected {"ids": ["..."]}.'), 400);
    return c.json({ acknowledged: await options.inbox.acknowledge(body.data.ids, options.clock.now()) });
  });
  options.routes?.(app);
  app.onError((error, c) => {
    log.error({ err: error }, 'connector API error');
    return c.json(httpErrorBody('INTERNAL'), 500);
  });

  const handler = createVerifiedHandler({
    consumer: `connector.${options.agencyId}`,
    recipient: options.agencyId,
    directory: options.directory,
    clock: options.clock,
    freshnessWindowMs: options.freshnessWindowMs,
    refusals: options.refusals,
    bus: options.bus,
    logger: log,
    async handle(event) {
      // Only the hub speaks to a connector on its agency's topic.
      if (event.agencyId !== HUB_AGENCY_ID) throw new WrongSignerError('Events on an agency topic must be signed by the hub.');
      if (options.applyInbound) {
        if (!(await options.applyInbound(event))) throw new MalformedEventError(`A ${options.kind} connector does not take ${event.type}.`);
        return;
      }
      const mapped = options.mapInbound?.(event);
      if (!mapped || (Array.isArray(mapped) && mapped.length === 0)) throw new MalformedEventError(`A ${options.kind} connector does not take ${event.type}.`);
      const receivedAt = options.clock.now();
      // An event carrying a batch becomes one item per entry, each with an id of its own for the agency to acknowledge
      // (numbered so that the inbox, ordered by id within an instant, keeps the batch's order).
      const items = Array.isArray(mapped)
        ? mapped.map((m, i) => ({ id: `${event.id}/${String(i + 1).padStart(3, '0')}`, ...m, correlationId: event.correlationId, receivedAt }))
        : [{ id: event.id, ...mapped, correlationId: event.correlationId, receivedAt }];
      const fresh = await options.inbox.add(items);
      if (fresh === 0) log.info({ eventId: event.id }, 'duplicate delivery ignored');
      else arrivals.emit('item');
    },
  });

  return {
    app,
    agencyId: options.agencyId,
    async start(): Promise<void> {
      subscription = await options.bus.subscribe({ groupId: `careloop-connector-${options.agencyId}`, topics: [agencyTopic(options.agencyId)], handler });
      log.info({ topic: agencyTopic(options.agencyId) }, 'connector consuming');
    },
    async stop(): Promise<void> {
      await subscription?.close();
      subscription = null;
    },
  };
}

export type Connector = ReturnType<typeof createConnector>;
