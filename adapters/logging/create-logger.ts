import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Fields that may carry a child's identity or clinical detail. They should never reach a log call in the first
 * place; redaction is the second line of defence (Mental Health Law Art. 4, PIPL Art. 51).
 */
export const REDACTED_PATHS = [
  'reason',
  '*.reason',
  'note',
  '*.note',
  'declineReason',
  '*.declineReason',
  '*.name',
  'nationalId',
  '*.nationalId',
  'subjectId',
  '*.subjectId',
  'localRef',
  '*.localRef',
  'data',
  '*.data',
  'variables',
  '*.variables',
  'payload',
  '*.payload',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
];

/**
 * Quoted spans in error messages are where libraries put the values they choke on (graphql-js quotes a bad
 * variable, PostgreSQL an invalid literal): they are cut before an error message reaches a line.
 */
export function withoutQuotedValues(message: string): string {
  return message.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '"…"').slice(0, 300);
}

/** Only an error's kind, its code and its message without quoted values: drivers put row values in `detail`. */
function safeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const code = (error as { code?: unknown }).code;
  return { type: error.name, message: withoutQuotedValues(error.message), ...(typeof code === 'string' ? { code } : {}) };
}

export function createLogger(options: { name: string; level?: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: safeError, error: safeError },
      base: { service: options.name },
    },
    options.destination,
  );
}
