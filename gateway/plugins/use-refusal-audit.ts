import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { AuditEntry } from '../../core/ports/audit-log.js';
import { clientErrorCode } from './mask-error.js';
import { verifiedTokenOf } from './use-agency-auth.js';

const REFUSED = new Set(['OPERATION_TOO_COMPLEX']);

/**
 * Writes one audit line for an operation refused by the limits, whatever its size: 500 aliases are one refusal,
 * not 500 decisions. Nothing of the operation is kept but the limit it broke.
 */
export function useRefusalAudit(options: { recordAudit: (entry: AuditEntry) => Promise<void>; clock: Clock; logger: Logger }): Plugin {
  // envelop's parse and validate hooks are synchronous: the line is written alongside, and a failure is logged.
  const audit = (request: Request, codes: string[]) =>
    void write(request, codes).catch((err: unknown) => options.logger.error({ err }, 'refusal audit failed'));
  const write = async (request: Request, codes: string[]) => {
    const principal = verifiedTokenOf(request)?.principal;
    await options.recordAudit({
      at: options.clock.now(),
      principalAgencyId: principal?.agencyId ?? null,
      principalUserId: principal?.userId ?? null,
      action: 'graphql.operation',
      resourceType: 'operation',
      resourceId: null,
      allowed: false,
      fields: [],
      reasons: codes,
      correlationId: null,
    });
  };
  const refusals = (errors: readonly unknown[]) => [...new Set(errors.map(clientErrorCode).filter((c) => REFUSED.has(c)))];
  return {
    onParse({ context }) {
      return ({ result }) => {
        const codes = result instanceof Error ? refusals([result]) : [];
        if (codes.length > 0) audit((context as { request: Request }).request, codes);
      };
    },
    onValidate({ context }) {
      return ({ result }) => {
        const codes = refusals(result as readonly unknown[]);
        if (codes.length > 0) audit((context as { request: Request }).request, codes);
      };
    },
  };
}
