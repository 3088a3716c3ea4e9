import { readFileSync } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { projectFile } from '../adapters/runtime/project-file.js';
import { coreResolvers } from './core/core-resolvers.js';
import type { GatewayModule } from './gateway-module.js';

const SCHEMA_DIR = `${projectFile('schema')}/`;

/** The gateway schema: the hub core (`hub.graphql`) and one SDL module per mounted capability. */
export function buildGatewaySchema(modules: readonly GatewayModule[]): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: ['hub.graphql', ...modules.map((m) => m.schema)].map((f) => readFileSync(`${SCHEMA_DIR}${f}`, 'utf8')),
    resolvers: [coreResolvers, ...modules.map((m) => m.resolvers)],
  });
}
