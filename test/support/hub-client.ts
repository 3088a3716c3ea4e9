import { mintAgencyToken } from '../../adapters/crypto/agency-token.js';
import type { KeyRing } from '../../adapters/crypto/key-ring.js';
import { systemClock, type Clock } from '../../core/clock.js';

/** A GraphQL response as the tests read it. */
export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; [k: string]: unknown } }>;
}

type Fetch = (request: Request) => Promise<Response> | Response;

/** Mints a token the way an agency's identity system would, with that agency's key from the ring. */
export async function tokenFor(keyRing: KeyRing, agencyId: string, role: string, options: { userId?: string; clock?: Clock; ttlSeconds?: number } = {}) {
  return mintAgencyToken({
    signer: await keyRing.signer(agencyId),
    userId: options.userId ?? `${agencyId}-${role}-1`,
    role,
    clock: options.clock ?? systemClock,
    ttlSeconds: options.ttlSeconds,
  });
}

/** Posts one GraphQL operation to the hub without opening a port. */
export async function gql<T = Record<string, unknown>>(
  fetch: Fetch,
  token: string | null,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GqlResult<T>> {
  const response = await fetch(
    new Request('http://hub/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    }),
  );
  return { status: response.status, ...((await response.json()) as object) };
}

/** The first error code of a result, the thing most tests pin. */
export const errorCode = (result: GqlResult) => result.errors?.[0]?.extensions?.code;

/** Polls until `probe` returns a value, instead of sleeping a guessed time. */
export async function eventually<T>(
  probe: () => Promise<T | null | undefined | false>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${options.what ?? 'a condition'}.`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}

/**
 * Opens a GraphQL subscription over SSE and collects what it pushes. `ready` resolves when the server has
 * accepted it (first byte), so tests can act right after without racing.
 */
export async function subscribeSse(fetch: Fetch, token: string, query: string, variables: Record<string, unknown>) {
  const controller = new AbortController();
  const response = await fetch(
    new Request('http://hub/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: controller.signal,
    }),
  );
  const events: Array<Record<string, unknown>> = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let boundary: number;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const chunk = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const data = chunk
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trim())
            .join('');
          if (data) events.push(JSON.parse(data) as Record<string, unknown>);
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    status: response.status,
    events,
    async close() {
      controller.abort();
      await reader.cancel().catch(() => undefined);
      await pump;
    },
  };
}

/** Enrols students (pseudonyms) at a school directly in the hub's store: test set-up, outside what is measured. */
export async function enrolStudents(sql: { query(sql: string, params?: unknown[]): Promise<unknown> }, ids: readonly string[], school = 'school-east') {
  await sql.query('INSERT INTO subjects (id, school_agency_id, grade, local_ref) SELECT id, $2, 8, id FROM unnest($1::text[]) AS id', [ids, school]);
}
