import {
  Kind,
  type ASTVisitor,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
} from 'graphql';
import { MAX_PAGE_SIZE } from '../../core/paging/page-cursor.js';

const OBJECT_COST = 2;
const SCALAR_COST = 1;
const DEPTH_FACTOR = 1.5;

// By shape, not with graphql's `isObjectType`/`getNamedType`: those compare with `instanceof`, and the schema may
// come from the other of graphql's two module builds (ESM and CJS).
const fieldsOf = (type: GraphQLNamedType | null | undefined): Record<string, GraphQLField<unknown, unknown>> | undefined =>
  type && 'getFields' in type && typeof type.getFields === 'function' ? (type.getFields() as Record<string, GraphQLField<unknown, unknown>>) : undefined;
const namedTypeOf = (type: GraphQLType): GraphQLNamedType => {
  let t: GraphQLType = type;
  while ('ofType' in t && t.ofType) t = t.ofType as GraphQLType;
  return t as GraphQLNamedType;
};

/**
 * The cost of an operation, counted before it runs: scalars 1, objects 2, each level deeper 1.5 times more, and a
 * paged field's selection times the page it may return. The page is the `first` (or `last`) literal; given as a
 * variable (unknown while validating) it counts as the variable's default or else as the largest page the hub
 * serves, and so does a paged field asked without one. Moving the number into the variables, or leaving it out,
 * cannot slip a large page past the limit.
 */
export function operationCost(operation: OperationDefinitionNode, schema: GraphQLSchema, context: Pick<ValidationContext, 'getFragment'>): number {
  const defaults = new Map<string, ValueNode>();
  for (const v of operation.variableDefinitions ?? []) if (v.defaultValue) defaults.set(v.variable.name.value, v.defaultValue);
  const pageSize = (value: ValueNode | undefined): number => {
    const resolved = value?.kind === Kind.VARIABLE ? defaults.get(value.name.value) : value;
    return resolved?.kind === Kind.INT ? Math.max(1, Math.min(Number(resolved.value), MAX_PAGE_SIZE)) : MAX_PAGE_SIZE;
  };
  const visiting = new Set<string>();
  const costOf = (set: SelectionSetNode, type: GraphQLNamedType | null | undefined, factor: number): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += costOf(selection.selectionSet, selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type, factor);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = context.getFragment(selection.name.value);
        // A fragment spread inside itself is refused by validation anyway; here it must not loop.
        if (!fragment || visiting.has(fragment.name.value)) continue;
        visiting.add(fragment.name.value);
        total += costOf(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), factor);
        visiting.delete(fragment.name.value);
      } else if (selection.name.value === '__schema' || selection.name.value === '__type') {
        // Introspection: refused outside development mode by its own rule, and not what this limit is about.
      } else if (!selection.selectionSet) total += factor * SCALAR_COST;
      else {
        const field = fieldsOf(type)?.[selection.name.value];
        const paged = field?.args.some((a) => a.name === 'first' || a.name === 'last') ?? false;
        const given = selection.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last');
        const times = paged || given ? pageSize(given?.value) : 1;
        total += times * (factor * OBJECT_COST + costOf(selection.selectionSet, field ? namedTypeOf(field.type) : null, factor * DEPTH_FACTOR));
      }
    }
    return total;
  };
  const root = { query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() }[operation.operation];
  return costOf(operation.selectionSet, root, 1);
}

/** A validation rule refusing every operation of the document that costs more than `maxCost`. */
export function pageAwareCostRule(maxCost: number, onTooCostly: (context: ValidationContext) => void) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      if (operationCost(node, context.getSchema(), context) > maxCost) onTooCostly(context);
    },
  });
}
