import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { isCareloopError } from '../../core/errors.js';

/**
 * Yoga's `maskError`: domain errors reach the client with their stable code; errors GraphQL itself raised
 * (parse, validation, bad variables) keep theirs; anything else is a bug, logged once here and shown as INTERNAL.
 */
export function createMaskError(logger: Logger) {
  return (error: unknown): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    if (isCareloopError(original)) {
      const graphQLError = error as GraphQLError;
      return new GraphQLError(original.message, {
        nodes: graphQLError.nodes,
        path: graphQLError.path,
        extensions: { code: original.code, ...original.details },
      });
    }
    if (error instanceof GraphQLError && (!error.originalError || error.originalError instanceof GraphQLError) && error.extensions?.code) {
      return error;
    }
    logger.error({ err: original }, 'unexpected error');
    return new GraphQLError('Unexpected error.', {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: 'INTERNAL' },
    });
  };
}
