import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { ExecutionResult } from 'graphql';
import type { GatewayContext } from '../context.js';
import { clientErrorCode } from './mask-error.js';

function errorCodes(result: unknown): string[] {
  return ((result as ExecutionResult | undefined)?.errors ?? []).map(clientErrorCode);
}

/** One log line per operation: who (agency and role, never the child), what operation, how long, which error codes. */
export function useRequestLog(logger: Logger): Plugin<GatewayContext> {
  return {
    onExecute({ args }) {
      const started = performance.now();
      const ctx = args.contextValue;
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in (result as object)) return;
          logger.info(
            {
              correlationId: ctx.correlationId,
              operation: args.operationName ?? null,
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
