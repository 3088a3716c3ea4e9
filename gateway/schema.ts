import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { hospitalResolvers } from './resolvers/hospital-resolvers.js';
import { hubResolvers } from './resolvers/hub-resolvers.js';
import { schoolResolvers } from './resolvers/school-resolvers.js';

const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url));

/**
 * The gateway schema, composed from the SDL modules in `schema/` (the hub core first, then one module per agency
 * domain) and their resolver modules. A new agency type adds its `.graphql` file and its resolvers here.
 */
export function buildGatewaySchema(): GraphQLSchema {
  const files = readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.graphql'))
    .sort((a, b) => (a === 'hub.graphql' ? -1 : b === 'hub.graphql' ? 1 : a.localeCompare(b)));
  return makeExecutableSchema({
    typeDefs: files.map((f) => readFileSync(`${SCHEMA_DIR}${f}`, 'utf8')),
    resolvers: [hubResolvers, schoolResolvers, hospitalResolvers],
  });
}
