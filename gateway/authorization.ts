import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type {
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
} from '@apollo/server-gateway-interface';
import type {
  DocumentNode,
  ExecutionResult,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLFieldResolver,
  GraphQLNamedType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionNode,
  SelectionSetNode,
} from 'graphql';
import type { Principal } from '../lib/auth/principal.js';
import {
  type AccessRules,
  allowed,
  type Requirement,
  unauthorizedError,
  whatIsMissing,
} from '../lib/auth/requirements.js';
import { appError } from '../lib/errors.js';

// graphql as Apollo loads it (CommonJS): the schema objects are that copy's, and its type checks
// refuse another copy's (vitest hands an `import` the ESM build).
const {
  buildSchema,
  execute,
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  Kind,
  printSchema,
} = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/**
 * Authorization at the gateway, before the query plan: the fields of the operation the caller
 * may not see (the schema's @authenticated / @requiresScopes / @policy, read from the supergraph
 * into lib/auth/requirements.ts) are cut out of the document the gateway plans and executes, so
 * no subgraph and no legacy system is ever asked for them; the answer is then re-shaped against
 * the operation the client sent, with each cut field null and an UNAUTHORIZED_FIELD_OR_TYPE error
 * at its path, nulls propagating as GraphQL says for non-null fields.
 *
 * @apollo/gateway itself does not enforce these directives (it refuses a supergraph whose
 * SECURITY links it cannot honour; see executableSupergraph), so this wrapper is the one place
 * the gateway does. The subgraphs check the same rules again on their own fields
 * (lib/auth/subgraphAuthorization.ts).
 */

/** The context the gateway's executor receives: the caller, when authenticated. */
interface AuthorizedContext {
  principal?: Principal;
}

/**
 * The supergraph as @apollo/gateway may load it. The gateway refuses a supergraph that links a
 * feature `for: SECURITY` it does not implement (the authenticated, requiresScopes and policy
 * specs): it will not serve a graph whose access rules it would silently ignore. This gateway
 * enforces them itself (authorizingGateway), so the copy it loads says `for:` nothing on those
 * links; the committed supergraph stays the true composed output, and the rules are read from it.
 */
export function executableSupergraph(supergraphSdl: string): string {
  return supergraphSdl.replace(
    /(@link\(url:\s*"https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes|policy)\/v[0-9.]+")\s*,\s*for:\s*SECURITY\s*\)/g,
    '$1)',
  );
}

/**
 * The gateway Apollo Server talks to: the same as `gateway`, except that its executor enforces
 * `rules` first. When the caller may see everything it asked for (the usual case) the request
 * goes through untouched; the only cost is one walk over the operation.
 */
export function authorizingGateway(gateway: GatewayInterface, rules: AccessRules): GatewayInterface {
  let apiSchema: GraphQLSchema | undefined;
  return {
    onSchemaLoadOrUpdate(callback) {
      return gateway.onSchemaLoadOrUpdate(callback);
    },
    async load(options) {
      const unsubscribe = gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
        // A copy of our own: Apollo Server wraps the resolvers of the schema it is given (for its
        // plugins), and a wrapped default resolver reads a field by name, not by response key.
        apiSchema = buildSchema(printSchema(schema));
      });
      try {
        const loaded = await gateway.load(options);
        const executor = loaded.executor;
        if (!executor) return loaded;
        return { ...loaded, executor: authorizingExecutor(executor, rules, () => apiSchema) };
      } catch (error) {
        unsubscribe();
        throw error;
      }
    },
    stop() {
      return gateway.stop();
    },
  };
}

function authorizingExecutor(
  executor: GatewayExecutor,
  rules: AccessRules,
  schemaOf: () => GraphQLSchema | undefined,
): GatewayExecutor {
  const memo = filterMemo(rules);
  return async (requestContext) => {
    const schema = schemaOf();
    if (!schema) throw new Error('The gateway answered before its schema was loaded.');
    const principal = (requestContext.context as AuthorizedContext).principal;
    const filtered = memo.filter(requestContext.document, requestContext.operationName, principal, () =>
      filterOperation(requestContext.document, requestContext.operationName, schema, rules, principal),
    );
    if (!filtered) return executor(requestContext);

    const executed = filtered.nothingLeft
      ? { data: {} }
      : await executor(withDocument(requestContext, filtered));
    // A gateway answer with no data at all (a plan that failed as a whole) has nothing to re-shape.
    if (executed.data === null || executed.data === undefined) return executed;
    const reshaped = reshape(schema, requestContext, executed.data, filtered.removed);
    const errors = [...(executed.errors ?? []), ...(reshaped.errors ?? [])];
    return {
      ...executed,
      data: reshaped.data ?? null,
      ...(errors.length > 0 ? { errors } : {}),
    };
  };
}

/**
 * What the cut of a document was for callers the rules treat alike, so a repeated operation (the
 * usual case: Apollo Server hands over the same parsed document for the same text) costs a map
 * lookup instead of a walk. Callers are alike when every condition of the schema (each scope
 * list, each policy) holds or fails for both; the cut and its messages depend on nothing else.
 * Kept per document object, so it goes when Apollo's document cache lets the document go.
 */
function filterMemo(rules: AccessRules) {
  const seen = new Map<string, Requirement>();
  for (const requirement of [...rules.fields.values(), ...rules.types.values()]) {
    for (const condition of requirement.conditions) {
      const key = JSON.stringify(condition);
      if (!seen.has(key)) seen.set(key, { coordinate: key, conditions: [condition] });
    }
  }
  const conditions = [...seen.values()];
  const byDocument = new WeakMap<DocumentNode, Map<string, FilteredOperation | undefined>>();
  return {
    filter(
      document: DocumentNode,
      operationName: string | null,
      principal: Principal | undefined,
      cut: () => FilteredOperation | undefined,
    ): FilteredOperation | undefined {
      const alike = conditions.map((condition) => (allowed(condition, principal) ? '1' : '0')).join('');
      const key = `${operationName ?? ''}\n${alike}`;
      let known = byDocument.get(document);
      if (!known) {
        known = new Map();
        byDocument.set(document, known);
      }
      if (known.has(key)) return known.get(key);
      const filtered = cut();
      known.set(key, filtered);
      return filtered;
    },
  };
}

/**
 * The request as the gateway executes it after the cut. Its queryHash names what was cut: the
 * gateway caches query plans by it, and a plan made for a cut document must never serve the same
 * text for a caller allowed more (or less).
 */
function withDocument(
  requestContext: GatewayGraphQLRequestContext,
  filtered: FilteredOperation,
): GatewayGraphQLRequestContext {
  const queryHash = createHash('sha256')
    .update(requestContext.queryHash)
    .update('\0authorization\0')
    .update(filtered.cutKey)
    .digest('hex');
  return { ...requestContext, document: filtered.document, operation: filtered.operation, queryHash };
}

/** Each cut field node, with the message of the error its place in the answer gets. */
type Removed = Map<FieldNode, string>;

interface FilteredOperation {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  removed: Removed;
  /** Every root field was cut: nothing to plan or execute. */
  nothingLeft: boolean;
  /** The coordinates cut, sorted: with the original queryHash, what identifies the cut document. */
  cutKey: string;
}

const TYPENAME: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };

/**
 * The operation without what the caller may not see, or undefined when nothing is cut. Fragment
 * definitions are cut on their own (a field's rule depends only on its type, not on where the
 * fragment is spread). A mutation field whose selection asks for anything the caller may not see
 * is cut whole: a write never runs behind an answer the caller could not read.
 */
export function filterOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
  schema: GraphQLSchema,
  rules: AccessRules,
  principal: Principal | undefined,
): FilteredOperation | undefined {
  const operation = selectedOperation(document, operationName);
  if (!operation) return undefined;
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }

  const removed: Removed = new Map();
  const cut = new Set<string>();
  const deny = (node: FieldNode, requirement: Requirement) => {
    removed.set(node, unauthorizedError(requirement, principal).message);
    cut.add(requirement.coordinate);
  };
  const denyMutation = (node: FieldNode, coordinate: string, inner: Requirement) => {
    removed.set(
      node,
      `${coordinate} was not run: its selection asks for ${inner.coordinate}, which ${whatIsMissing(inner, principal)}.`,
    );
    cut.add(`${coordinate} for ${inner.coordinate}`);
  };

  const isMutation = operation.operation === 'mutation';

  /** The rule of a field as selected (meta fields such as `__typename` have none). */
  const requirementOf = (selection: FieldNode, parentType: GraphQLNamedType) =>
    selection.name.value.startsWith('__') ? undefined : rules.field(parentType.name, selection.name.value);
  const typeOf = (selection: FieldNode, parentType: GraphQLNamedType): GraphQLNamedType | undefined => {
    if (!isObjectType(parentType) && !isInterfaceType(parentType)) return undefined;
    const field = parentType.getFields()[selection.name.value];
    return field ? getNamedType(field.type) : undefined;
  };

  function filterSelectionSet(
    selectionSet: SelectionSetNode,
    parentType: GraphQLNamedType,
  ): SelectionSetNode {
    let changed = false;
    const selections: SelectionNode[] = [];
    for (const selection of selectionSet.selections) {
      const kept =
        isMutation && parentType === rootType && selection.kind === Kind.FIELD
          ? filterMutationField(selection)
          : filterSelection(selection, parentType);
      if (kept !== selection) changed = true;
      if (kept) selections.push(kept);
    }
    if (!changed) return selectionSet;
    // Re-shaping an abstract type's value needs its concrete type; an emptied set is invalid GraphQL.
    if (selections.length === 0 || isAbstractType(parentType)) selections.push(TYPENAME);
    return { ...selectionSet, selections };
  }

  function filterSelection(
    selection: SelectionNode,
    parentType: GraphQLNamedType,
  ): SelectionNode | undefined {
    switch (selection.kind) {
      case Kind.FIELD: {
        const requirement = requirementOf(selection, parentType);
        if (requirement && !allowed(requirement, principal)) {
          deny(selection, requirement);
          return undefined;
        }
        const fieldType = selection.selectionSet && typeOf(selection, parentType);
        if (!fieldType || !selection.selectionSet) return selection;
        const selectionSet = filterSelectionSet(selection.selectionSet, fieldType);
        return selectionSet === selection.selectionSet ? selection : { ...selection, selectionSet };
      }
      case Kind.INLINE_FRAGMENT: {
        const type = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : parentType;
        if (!type) return selection;
        const selectionSet = filterSelectionSet(selection.selectionSet, type);
        return selectionSet === selection.selectionSet ? selection : { ...selection, selectionSet };
      }
      case Kind.FRAGMENT_SPREAD:
        // The fragment's definition is cut on its own, below.
        return selection;
    }
  }

  /** A mutation runs whole or not at all: cut when it, or anything its selection asks, is refused. */
  function filterMutationField(selection: FieldNode): FieldNode | undefined {
    const requirement = requirementOf(selection, rootType!);
    const fieldType = typeOf(selection, rootType!);
    if (requirement && !allowed(requirement, principal)) {
      deny(selection, requirement);
      return undefined;
    }
    const inner =
      selection.selectionSet && fieldType
        ? firstRefused(selection.selectionSet, fieldType, new Set())
        : undefined;
    if (!inner) return selection;
    denyMutation(selection, `${rootType!.name}.${selection.name.value}`, inner);
    return undefined;
  }

  /** The first requirement the caller does not meet anywhere under a selection set (fragments followed). */
  function firstRefused(
    selectionSet: SelectionSetNode,
    parentType: GraphQLNamedType,
    visited: Set<string>,
  ): Requirement | undefined {
    for (const selection of selectionSet.selections) {
      let found: Requirement | undefined;
      if (selection.kind === Kind.FIELD) {
        const requirement = requirementOf(selection, parentType);
        if (requirement && !allowed(requirement, principal)) return requirement;
        const fieldType = typeOf(selection, parentType);
        if (selection.selectionSet && fieldType)
          found = firstRefused(selection.selectionSet, fieldType, visited);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : parentType;
        if (type) found = firstRefused(selection.selectionSet, type, visited);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        if (fragment && type) found = firstRefused(fragment.selectionSet, type, visited);
      }
      if (found) return found;
    }
    return undefined;
  }

  let filteredOperation = operation;
  const definitions = document.definitions.map((definition) => {
    if (definition === operation) {
      const selectionSet = filterSelectionSet(operation.selectionSet, rootType);
      if (selectionSet !== operation.selectionSet) filteredOperation = { ...operation, selectionSet };
      return filteredOperation;
    }
    if (definition.kind !== Kind.FRAGMENT_DEFINITION) return definition;
    const type = schema.getType(definition.typeCondition.name.value);
    if (!type) return definition;
    const selectionSet = filterSelectionSet(definition.selectionSet, type);
    return selectionSet === definition.selectionSet ? definition : { ...definition, selectionSet };
  });
  if (removed.size === 0) return undefined;
  const root = filteredOperation.selectionSet.selections;
  return {
    document: { ...document, definitions },
    operation: filteredOperation,
    removed,
    nothingLeft: root.length === 1 && root[0] === TYPENAME,
    cutKey: [...cut].sort().join('\n'),
  };
}

function selectedOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  if (operationName) return operations.find((operation) => operation.name?.value === operationName);
  return operations.length === 1 ? operations[0] : undefined;
}

/**
 * The answer to the operation the client sent, from the data the gateway fetched for the cut
 * one: graphql-js executes the original operation over the API schema with that data as the
 * root value, each field reading its response key, each cut field throwing its error, so nulls
 * propagate exactly as the client's operation says (a cut non-null field nulls its parent).
 */
function reshape(
  schema: GraphQLSchema,
  requestContext: GatewayGraphQLRequestContext,
  data: Record<string, unknown>,
  removed: Removed,
): ExecutionResult {
  const readByResponseKey: GraphQLFieldResolver<unknown, unknown> = (source, _args, _context, info) => {
    const refusal = removed.get(info.fieldNodes[0]!);
    if (refusal !== undefined) throw appError('UNAUTHORIZED_FIELD_OR_TYPE', refusal);
    return source === null || typeof source !== 'object'
      ? undefined
      : (source as Record<string, unknown>)[info.path.key as string];
  };
  const result = execute({
    schema,
    document: requestContext.document,
    rootValue: data,
    contextValue: requestContext.context,
    variableValues: requestContext.request.variables ?? {},
    operationName: requestContext.operationName,
    fieldResolver: readByResponseKey,
  });
  if (result instanceof Promise)
    throw new Error('Re-shaping an answer never waits: its resolvers read data.');
  return result as ExecutionResult & { errors?: readonly GraphQLError[] };
}
