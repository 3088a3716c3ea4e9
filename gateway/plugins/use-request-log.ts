import { Kind, type DocumentNode, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { GatewayContext } from '../context.js';
import { clientErrorCode } from './mask-error.js';

function errorCodes(result: unknown): string[] {
  return ((result as ExecutionResult | undefined)?.errors ?? []).map(clientErrorCode);
}

/** Root field names: schema identifiers that passed validation, unlike the operation name, which the client made up. */
function rootFields(operation: OperationDefinitionNode | undefined): string[] {
  return (operation?.selectionSet.selections ?? []).flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
}

/**
 * One log line per operation: who (agency and role, never the child), which root fields, how long, which error
 * codes. No value the client sent (variables, operation name, literals) reaches the line.
 */
export function useRequestLog(logger: Logger): Plugin<GatewayContext> {
  return {
    onExecute({ args }) {
      const started = performance.now();
      const ctx = args.contextValue;
      const operation = (args.document as DocumentNode).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in (result as object)) return;
          logger.info(
            {
              correlationId: ctx.correlationId,
              operation: operation?.operation ?? null,
              fields: rootFields(operation),
              agencyId: ctx.principal?.agencyId,
              role: ctx.principal?.role,
              ms: Math.round((performance.now() - started) * 10) / 10,
              errors: errorCodes(result),
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
