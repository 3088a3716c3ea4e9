import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import type { GatewayContext } from '../context.js';

/**
 * An ISO 8601 instant with a time and an offset (2026-12-02T09:00:00+08:00), within years 1900-9999: JavaScript's
 * Date parses far looser text ("not-a-date-X") and far larger years, which would either mean something nobody sent
 * or fail deep inside the store.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
function instantOf(value: unknown): Date {
  const text = String(value);
  const date = new Date(text);
  const year = date.getUTCFullYear();
  if (!ISO_INSTANT.test(text) || Number.isNaN(date.getTime()) || year < 1900 || year > 9999) throw new GraphQLError('DateTime must be an ISO 8601 string.');
  return date;
}

const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant, as an ISO 8601 string in UTC.',
  serialize: (value) => (value instanceof Date ? value : new Date(String(value))).toISOString(),
  parseValue: (value) => instantOf(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO 8601 string.');
    return instantOf(ast.value);
  },
});

/** The hub core module: identity, the agency directory and the scalars every capability uses. */
export const coreResolvers = {
  DateTime,
  AgencyType: {
    SCHOOL: 'school',
    HOSPITAL: 'hospital',
    COUNSELLING_CENTRE: 'counselling-centre',
    PUBLIC_SAFETY: 'public-safety',
    EDUCATION_BUREAU: 'education-bureau',
  },
  Query: {
    me: (_: unknown, __: unknown, ctx: GatewayContext) => ctx.principal,
    agencies: async (_: unknown, __: unknown, ctx: GatewayContext) => (await ctx.directory.list()).filter((a) => a.type !== 'hub'),
  },
};
