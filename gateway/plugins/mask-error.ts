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

const isGraphQLError = (error: unknown): error is GraphQLishError => (error as Error | null)?.name === 'GraphQLError';

/**
 * graphql-js reports a variable that does not coerce to its declared type with a message that quotes the value
 * the client sent ("Variable "$input" got invalid value ..."). That is the client's mistake, and the value may
 * be a child's clinical detail: it is answered as BAD_USER_INPUT naming only the variable.
 */
const VARIABLE_COERCION = /^Variable "\$([A-Za-z_][A-Za-z0-9_]*)" /;

function variableOf(error: GraphQLishError): string | null {
  return error.extensions?.code === undefined ? (VARIABLE_COERCION.exec(error.message)?.[1] ?? null) : null;
}

/** The code a client will see for this error: for log lines written before yoga masks the result. */
export function clientErrorCode(error: unknown): string {
  const cause = innermost(error);
  if (isCareloopError(cause)) return cause.code;
  if (isGraphQLError(error) && variableOf(error)) return 'BAD_USER_INPUT';
  const code = (cause as GraphQLishError | null)?.extensions?.code;
  return isGraphQLError(cause) && typeof code === 'string' ? code : 'INTERNAL';
}

/**
 * Yoga's `maskError`: domain errors reach the client with their stable code; errors GraphQL itself raised
 * (parse, validation, limits, UNAUTHENTICATED) keep theirs; a variable that does not coerce is BAD_USER_INPUT
 * without its value; anything else is a bug, logged once here by kind and place only, and shown as INTERNAL.
 */
export function createMaskError(logger: Logger) {
  return (error: unknown): Error => {
    const outer = error as GraphQLishError;
    const cause = innermost(error);
    const at = { nodes: outer.nodes as never, path: outer.path };
    if (isCareloopError(cause)) {
      return createGraphQLError(cause.message, { ...at, extensions: { code: cause.code, ...cause.details } });
    }
    const variable = isGraphQLError(outer) ? variableOf(outer) : null;
    if (variable) {
      return createGraphQLError(`Variable "$${variable}" does not have a valid value of its declared type.`, {
        ...at,
        extensions: { code: 'BAD_USER_INPUT', variable },
      });
    }
    if (isGraphQLError(cause) && typeof cause.extensions?.code === 'string') return outer;
    // Only the kind and where it happened: messages of unexpected errors can quote what the client sent.
    logger.error({ err: cause, path: outer.path?.join('.') }, 'unexpected error');
    return createGraphQLError('Unexpected error.', { ...at, extensions: { code: 'INTERNAL' } });
  };
}
