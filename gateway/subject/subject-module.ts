import type { Clock } from '../../core/clock.js';
import type { AuditLog, AuditTrail } from '../../core/ports/audit-log.js';
import type { DirectoryStore } from '../../core/ports/directory.js';
import type { PolicyEngine } from '../../core/ports/policy-engine.js';
import { createSubjectReader, type SubjectReader } from '../../core/subject/subject-reader.js';
import type { GatewayContext } from '../context.js';
import type { GatewayModule } from '../gateway-module.js';

interface SubjectContext extends GatewayContext {
  subject: { reader: SubjectReader };
}

/** The subject capability: a school's pseudonymous students. */
export function createSubjectModule(options: {
  directory: DirectoryStore;
  audit: AuditLog;
  trail: AuditTrail;
  policy: PolicyEngine;
  clock: Clock;
}): GatewayModule {
  return {
    schema: 'subject.graphql',
    resolvers: {
      Query: {
        students: (_: unknown, args: unknown, ctx: SubjectContext) => ctx.subject.reader.students(args),
        accessLog: (_: unknown, args: unknown, ctx: SubjectContext) => ctx.subject.reader.accessLog(args),
      },
    },
    context: ({ principal, correlationId }) => ({ subject: { reader: createSubjectReader({ principal, correlationId, ...options }) } }),
  };
}
