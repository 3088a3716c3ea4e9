/**
 * A correlation id a client may thread through (GraphQL header, a hospital system's decision): accepted only as
 * a UUID, a shape that cannot carry anything else, because it ends up in log lines.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function clientCorrelationId(header: string | null | undefined): string | null {
  return header && UUID.test(header) ? header : null;
}
