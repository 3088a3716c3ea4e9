import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import type { GatewayContext } from '../context.js';

const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant, as an ISO 8601 string in UTC.',
  serialize: (value) => (value instanceof Date ? value : new Date(String(value))).toISOString(),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string.');
    return date;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || Number.isNaN(new Date(ast.value).getTime())) throw new GraphQLError('DateTime must be an ISO 8601 string.');
    return new Date(ast.value);
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
