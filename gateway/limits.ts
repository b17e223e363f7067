import {
  type ASTNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { OperationLimits } from './config.js';

/**
 * Depth and alias limits as validation rules: they run before the query planner, so an
 * operation over the limit never reaches a subgraph. The token limit is graphql-js's own
 * `maxTokens` parse option (see createGateway). Fragments are expanded (each fragment measured
 * once and memoised, so a document nesting fragments cannot make the check itself expensive).
 * Introspection fields (`__schema`, `__type`, `__typename`) do not count towards depth: tools
 * need them and the gateway answers them without a subgraph; their aliases do count.
 */
export function operationLimitRules(limits: OperationLimits): ValidationRule[] {
  return [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases)];
}

/** The rule's own error; Apollo wraps it as a validation error and the masking restores the code. */
export function limitError(message: string, node: ASTNode, details: Record<string, unknown>): GraphQLError {
  return new GraphQLError(message, {
    nodes: [node],
    extensions: { code: 'OPERATION_LIMIT_EXCEEDED', ...details },
  });
}

interface Measure {
  depth: number;
  aliases: number;
}

function measurer(context: ValidationContext): (set: SelectionSetNode) => Measure {
  const fragmentMeasures = new Map<string, Measure>();
  const inProgress = new Set<string>();

  function fragment(definition: FragmentDefinitionNode): Measure {
    const name = definition.name.value;
    const known = fragmentMeasures.get(name);
    if (known) return known;
    // A cycle is reported by graphql's NoFragmentCyclesRule; here it just stops the walk.
    if (inProgress.has(name)) return { depth: 0, aliases: 0 };
    inProgress.add(name);
    const result = measure(definition.selectionSet);
    inProgress.delete(name);
    fragmentMeasures.set(name, result);
    return result;
  }

  function measure(set: SelectionSetNode): Measure {
    let depth = 0;
    let aliases = 0;
    for (const selection of set.selections) {
      let inner: Measure = { depth: 0, aliases: 0 };
      if (selection.kind === Kind.FIELD) {
        const below = selection.selectionSet ? measure(selection.selectionSet) : inner;
        const introspection = selection.name.value.startsWith('__');
        inner = {
          depth: introspection ? 0 : below.depth + 1,
          aliases: below.aliases + (selection.alias ? 1 : 0),
        };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = measure(selection.selectionSet);
      } else {
        const definition = context.getFragment(selection.name.value);
        if (definition) inner = fragment(definition);
      }
      depth = Math.max(depth, inner.depth);
      aliases += inner.aliases;
    }
    return { depth, aliases };
  }

  return measure;
}

export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context) => {
    const measure = measurer(context);
    return {
      OperationDefinition(node) {
        const { depth } = measure(node.selectionSet);
        if (depth > maxDepth) {
          context.reportError(
            limitError(`The operation is ${depth} fields deep; at most ${maxDepth} are allowed.`, node, {
              limit: 'depth',
              maximum: maxDepth,
              actual: depth,
            }),
          );
        }
        return false;
      },
    };
  };
}

export function aliasLimitRule(maxAliases: number): ValidationRule {
  return (context) => {
    const measure = measurer(context);
    return {
      OperationDefinition(node) {
        const { aliases } = measure(node.selectionSet);
        if (aliases > maxAliases) {
          context.reportError(
            limitError(`The operation uses ${aliases} aliases; at most ${maxAliases} are allowed.`, node, {
              limit: 'aliases',
              maximum: maxAliases,
              actual: aliases,
            }),
          );
        }
        return false;
      },
    };
  };
}
