import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../../../core/clock.js';
import type { FhirPushItem, FhirTaskRecord, FhirTaskStore } from './fhir-task-store.js';

/** The hospital's own FHIR endpoint, where the connector pushes each Task as a `transaction` Bundle. */
export interface FhirPushTarget {
  /** The hospital's FHIR base URL; the Bundle is POSTed to it. */
  url: string;
  /** A static `Authorization` header value (a secret: never logged, never in an error message). */
  authorization?: string;
}

/** How the pusher paces itself; the defaults suit production, tests pass smaller ones. */
export interface FhirPushSettings {
  /** How long one push may take before it counts as failed (default 10 s). */
  timeoutMs?: number;
  /** How often pending pushes are looked for besides the nudge after each event (default 5 s; 0: no timer). */
  intervalMs?: number;
  /** The longest wait between two attempts for one Task (default 10 min). */
  maxBackoffMs?: number;
  /** How many due Tasks one round reads (default 20). */
  batchSize?: number;
  /** The HTTP client; the global `fetch` unless a test passes another. */
  fetch?: typeof fetch;
}

/** A push target that cannot be used. The message names where it was configured and why, never the value. */
export class FhirPushConfigError extends Error {
  constructor(
    readonly setting: string,
    readonly reason: string,
  ) {
    super(`Invalid configuration: ${setting}: ${reason}`);
    this.name = 'FhirPushConfigError';
  }
}

// A header value: printable ASCII, so that a stray newline cannot smuggle a second header.
const HEADER_VALUE = /^[\x20-\x7e]+$/;
const targetSchema = z.strictObject({
  url: z.string().min(1).max(2000),
  authorization: z.string().min(1).max(8192).regex(HEADER_VALUE).optional(),
});
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Checks one push target. `name(field)` says where a field was configured (an environment variable, an option),
 * so that the error can point there. Plain `http://` is refused except to this machine: the Bundle carries a
 * child's pseudonym and the referral reason, and the header a credential.
 */
export function parseFhirPushTarget(input: unknown, name: (field?: string) => string = (field) => (field ? `fhirPush.${field}` : 'fhirPush')): FhirPushTarget {
  const parsed = targetSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = typeof issue?.path[0] === 'string' ? issue.path[0] : undefined;
    // The issue code only: zod's messages may quote what they received.
    throw new FhirPushConfigError(name(field), issue?.code ?? 'invalid');
  }
  let url: URL;
  try {
    url = new URL(parsed.data.url);
  } catch {
    throw new FhirPushConfigError(name('url'), 'not a URL');
  }
  if (url.username || url.password) throw new FhirPushConfigError(name('url'), 'credentials belong in the authorization header, not the URL');
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname))
    throw new FhirPushConfigError(name('url'), 'plain http is only allowed to a loopback host; use https');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new FhirPushConfigError(name('url'), 'not an http(s) URL');
  return parsed.data.authorization === undefined ? { url: parsed.data.url } : { url: parsed.data.url, authorization: parsed.data.authorization };
}

/**
 * Reads a JSON map of agency id to push target (`FHIR_PUSH_TARGETS`). A value that is not JSON is refused without
 * the parser's message, which would quote it.
 */
export function parseFhirPushTargets(json: string, setting: string): Record<string, FhirPushTarget> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    // No `cause`: the JSON parser's message repeats part of the value, which holds credentials.
    throw new FhirPushConfigError(setting, 'not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new FhirPushConfigError(setting, 'expected a JSON object of agency id to {"url", "authorization"}');
  const targets: Record<string, FhirPushTarget> = {};
  for (const [agencyId, target] of Object.entries(value)) {
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(agencyId)) throw new FhirPushConfigError(setting, 'keys must be agency ids');
    targets[agencyId] = parseFhirPushTarget(target, (field) => `${setting}.${agencyId}${field ? `.${field}` : ''}`);
  }
  return targets;
}

/** The FHIR base without query, fragment or trailing slash: what `fullUrl`s are built on. */
function fhirBase(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

function putEntry(base: string, resource: Resource & { id?: string }, id: string): BundleEntry {
  const path = `${resource.resourceType}/${id}`;
  return { fullUrl: `${base}/${path}`, resource, request: { method: 'PUT', url: path } };
}

/**
 * One referral as the hospital receives it: a `transaction` Bundle that PUTs the ServiceRequest (when one is
 * stored) and the Task at their own ids, so pushing the current state again changes nothing.
 */
export function fhirPushBundle(record: FhirTaskRecord, url: string): Bundle {
  const base = fhirBase(url);
  const entry: BundleEntry[] = [];
  if (record.serviceRequest) entry.push(putEntry(base, record.serviceRequest, record.serviceRequest.id ?? record.referralId));
  entry.push(putEntry(base, record.task, record.task.id ?? record.referralId));
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

type PushOutcome = 'pushed' | 'refused' | 'unreachable';

/**
 * Pushes the Tasks marked pending in the store to the hospital's FHIR endpoint, one `transaction` Bundle each,
 * always the latest stored state (so changes made while the endpoint was down coalesce into one push). A 2xx
 * clears the mark; anything else keeps it, counts the attempt and waits 2^attempts s (capped) before the next.
 * Logs carry status codes and counters only: never the Bundle, the URL or the headers.
 */
export function createFhirPusher(
  options: FhirPushSettings & {
    target: FhirPushTarget;
    tasks: Pick<FhirTaskStore, 'duePushes' | 'pushSucceeded' | 'pushFailed' | 'pendingPushes'>;
    clock: Clock;
    logger: Logger;
  },
) {
  const log = options.logger.child({ component: 'fhir-push' });
  const send = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBackoffMs = options.maxBackoffMs ?? 600_000;
  const batchSize = options.batchSize ?? 20;
  const headers: Record<string, string> = { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' };
  if (options.target.authorization) headers.authorization = options.target.authorization;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = true;
  let timer: NodeJS.Timeout | null = null;

  async function pushOne(item: FhirPushItem): Promise<PushOutcome> {
    let status: number | null = null;
    let failure: 'timeout' | 'network' | undefined;
    try {
      const response = await send(options.target.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(fhirPushBundle(item.record, options.target.url)),
        // A redirect is not followed: it could carry the Bundle and the credential somewhere else.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      failure = error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'network';
    }
    if (status !== null && status >= 200 && status < 300) {
      await options.tasks.pushSucceeded(item.record.referralId, item.version, status);
      return 'pushed';
    }
    const attempts = item.attempts + 1;
    const nextPushAt = new Date(options.clock.now().getTime() + Math.min(2 ** Math.min(attempts, 30) * 1000, maxBackoffMs));
    await options.tasks.pushFailed(item.record.referralId, attempts, nextPushAt, status);
    // A refusal (3xx, 4xx but 408 and 429) is about this Bundle or the configuration, not the endpoint being down:
    // someone has to look, so it is a warning; it is still retried, as the hospital may fix its side.
    if (status !== null && status < 500 && status !== 408 && status !== 429) {
      log.warn({ status, attempts }, 'the hospital refused a FHIR push; it will be retried');
      return 'refused';
    }
    log.info({ status, failure, attempts }, 'FHIR push failed; it will be retried');
    return 'unreachable';
  }

  /** Pushes what is due now; stops at the first sign that the endpoint is down, as the rest would fail alike. */
  async function pushDue(): Promise<{ pushed: number; failed: number }> {
    let pushed = 0;
    let failed = 0;
    // Bounded: a Task that keeps changing while it is pushed stays due, and must not hold the run forever.
    for (let round = 0; round < 50; round++) {
      const due = await options.tasks.duePushes(options.clock.now(), batchSize);
      let unreachable = false;
      for (const item of due) {
        const outcome = await pushOne(item);
        if (outcome === 'pushed') pushed += 1;
        else failed += 1;
        if (outcome === 'unreachable') {
          unreachable = true;
          break;
        }
      }
      if (unreachable || due.length < batchSize) break;
    }
    if (pushed + failed > 0) log.debug({ pushed, failed }, 'FHIR push round');
    return { pushed, failed };
  }

  /** Starts a round unless one is running (then that one goes round once more); resolves when they are done. */
  function nudge(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await pushDue();
        } while (again && !stopped);
      } catch (err) {
        // A store error; the marks are still there and the next round retries.
        log.error({ err }, 'FHIR push round failed');
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return {
    nudge,
    pushDue,
    /** How many Tasks wait to be pushed (a counter; safe to report). */
    pending: () => options.tasks.pendingPushes(),
    /** Resolves when no round is running. */
    idle: async () => {
      while (running) await running;
    },
    start(): void {
      if (!stopped) return;
      stopped = false;
      const every = options.intervalMs ?? 5_000;
      if (every > 0) timer = setInterval(() => void nudge(), every).unref();
      // What was still pending before a restart goes out now.
      void nudge();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      while (running) await running;
    },
  };
}

export type FhirPusher = ReturnType<typeof createFhirPusher>;
