import { createGraphQLError } from 'graphql-yoga';
import type { Logger } from 'pino';
import { isCareloopError } from '../../core/errors.js';

type GraphQLishError = Error & { originalError?: unknown; extensions?: Record<string, unknown>; nodes?: unknown; path?: ReadonlyArray<string | number> };

/** The innermost cause GraphQL wrapped; compared by shape, since graphql can be loaded twice (ESM and CJS). */
function innermost(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 10; depth++) {
    const next = (current as GraphQLishError | null)?.originalError;
    if (!next || isCareloopError(current)) return current;
    current = next;
  }
  return current;
}

/** The code a client will see for this error: for log lines written before yoga masks the result. */
export function clientErrorCode(error: unknown): string {
  const cause = innermost(error);
  if (isCareloopError(cause)) return cause.code;
  const code = (cause as GraphQLishError | null)?.extensions?.code;
  return (cause as Error | null)?.name === 'GraphQLError' && typeof code === 'string' ? code : 'INTERNAL';
}

/**
 * Yoga's `maskError`: domain errors reach the client with their stable code; errors GraphQL itself raised
 * (parse, validation, bad variables, UNAUTHENTICATED) keep theirs; anything else is a bug, logged once here and
 * shown as INTERNAL.
 */
export function createMaskError(logger: Logger) {
  return (error: unknown): Error => {
    const outer = error as GraphQLishError;
    const cause = innermost(error);
    if (isCareloopError(cause)) {
      return createGraphQLError(cause.message, { nodes: outer.nodes as never, path: outer.path, extensions: { code: cause.code, ...cause.details } });
    }
    if ((cause as Error | null)?.name === 'GraphQLError' && typeof (cause as GraphQLishError).extensions?.code === 'string') return outer;
    logger.error({ err: cause }, 'unexpected error');
    return createGraphQLError('Unexpected error.', { nodes: outer.nodes as never, path: outer.path, extensions: { code: 'INTERNAL' } });
  };
}
