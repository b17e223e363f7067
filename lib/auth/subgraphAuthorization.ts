import { createRequire } from 'node:module';
import type { DocumentNode, GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import type { Principal } from './principal.js';
import { type AccessRules, allowed, readAccessRules, unauthorizedError } from './requirements.js';

// graphql as Apollo loads it (CommonJS): the schema is that copy's, and its type checks refuse
// another copy's (vitest hands an `import` the ESM build).
const { defaultFieldResolver, isObjectType } = createRequire(import.meta.url)(
  'graphql',
) as typeof import('graphql');

/**
 * The subgraph's own check of the access rules its SDL declares, behind the gateway's: a field
 * whose requirement the request's principal does not meet throws UNAUTHORIZED_FIELD_OR_TYPE
 * before its resolver runs (so no legacy call is made for it), and `_entities` refuses each
 * representation of a type the caller may not see before resolving it. The subgraph stays safe
 * behind another gateway (one that ignores the directives) or when called directly.
 *
 * Changes `schema` in place (its resolvers) and returns it.
 */
export function enforceAccessRules(schema: GraphQLSchema, typeDefs: DocumentNode): GraphQLSchema {
  const rules = readAccessRules(typeDefs);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (type === schema.getQueryType() && field.name === '_entities') {
        field.resolve = guardEntities(field.resolve ?? defaultFieldResolver, rules);
        continue;
      }
      const requirement = rules.field(type.name, field.name);
      if (!requirement) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        const principal = principalOf(context);
        if (!allowed(requirement, principal)) throw unauthorizedError(requirement, principal);
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}

function principalOf(context: unknown): Principal | undefined {
  return (context as { principal?: Principal } | undefined)?.principal;
}

/** `_entities` without the representations the caller may not fetch: those are errors at their index. */
function guardEntities(
  resolve: GraphQLFieldResolver<unknown, unknown>,
  rules: AccessRules,
): GraphQLFieldResolver<unknown, unknown> {
  return async (source, args, context, info) => {
    const { representations } = args as { representations: readonly { __typename?: unknown }[] };
    const principal = principalOf(context);
    const refusals = representations.map((representation) => {
      const requirement =
        typeof representation?.__typename === 'string' ? rules.type(representation.__typename) : undefined;
      return requirement && !allowed(requirement, principal)
        ? unauthorizedError(requirement, principal)
        : undefined;
    });
    if (refusals.every((refusal) => refusal === undefined)) return resolve(source, args, context, info);
    const permitted = representations.filter((_, index) => refusals[index] === undefined);
    const resolved =
      permitted.length === 0
        ? []
        : ((await resolve(source, { ...args, representations: permitted }, context, info)) as unknown[]);
    let next = 0;
    // graphql-js reports an Error in a list as that item's error, at its index.
    return refusals.map((refusal) => refusal ?? resolved[next++]);
  };
}
