import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { ASTVisitor, ValidationContext } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { pageAwareCostRule } from './page-aware-cost.js';

/** Limits on one GraphQL operation. Defaults fit every query the README and the console need, with room. */
export interface OperationLimits {
  /** Lexical tokens in the document: refused while parsing, before any tree is built. */
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** Cost as `operationCost` counts it: objects 2, scalars 1, growing with depth, times the page a list may return. */
  maxCost: number;
}

export const DEFAULT_OPERATION_LIMITS: OperationLimits = { maxTokens: 2000, maxDepth: 8, maxAliases: 10, maxDirectives: 10, maxCost: 15_000 };
// 15,000: one page of 100 referrals with everything a case list shows (~13,700), not two.

type Limit = 'tokens' | 'depth' | 'aliases' | 'directives' | 'cost';

function tooComplex(limit: Limit) {
  return createGraphQLError(`The operation exceeds the ${limit} limit.`, { extensions: { code: 'OPERATION_TOO_COMPLEX', limit } });
}

/** graphql-armor's errors carry no code; ours do, so a client can tell a refused operation from a broken one. */
function report(limit: Limit) {
  return [
    (ctx: ValidationContext | null) => {
      if (ctx) ctx.reportError(tooComplex(limit));
      // The token limit fires inside the lexer, where the only way out is to throw.
      else throw tooComplex(limit);
    },
  ];
}

/**
 * Refuses `__schema` and `__type` (not `__typename`). By field name, not by graphql's own rule: that rule compares
 * types with `instanceof`, and the schema may come from the other of graphql's two module builds (ESM and CJS).
 */
function noSchemaIntrospection(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        context.reportError(
          createGraphQLError('Introspection is turned off outside development mode.', { nodes: [node], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
        );
      }
    },
  };
}

/**
 * Refuses abusive operations cheaply, before execution: tokens while parsing; depth, aliases, directives and
 * cost while validating. No field suggestions ("Did you mean ...") ever, and no introspection outside
 * development mode, so a stranger cannot map the schema.
 */
export function useOperationLimits(options: { limits?: Partial<OperationLimits>; allowIntrospection: boolean }): Plugin[] {
  const limits = { ...DEFAULT_OPERATION_LIMITS, ...options.limits };
  const common = { propagateOnRejection: false, exposeLimits: false };
  const armor = EnvelopArmorPlugin({
    maxTokens: { n: limits.maxTokens, ...common, onReject: report('tokens') },
    maxDepth: { n: limits.maxDepth, ...common, onReject: report('depth'), ignoreIntrospection: true },
    maxAliases: { n: limits.maxAliases, ...common, onReject: report('aliases') },
    maxDirectives: { n: limits.maxDirectives, ...common, onReject: report('directives') },
    // graphql-armor's cost limit counts `first` only as a literal, so a page size moved into the variables slipped
    // past it: ours (page-aware-cost.ts) counts a variable as the largest page.
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: true },
  });
  const plugins: Plugin[] = [
    armor as Plugin,
    {
      onValidate({ addValidationRule }) {
        addValidationRule(pageAwareCostRule(limits.maxCost, (context) => context.reportError(tooComplex('cost'))));
      },
    },
  ];
  if (!options.allowIntrospection) {
    plugins.push({
      onValidate({ addValidationRule }) {
        addValidationRule(noSchemaIntrospection);
      },
    });
  }
  return plugins;
}
