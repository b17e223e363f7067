import {
  buildASTSchema,
  type ConstDirectiveNode,
  type DirectiveNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  type ValueNode,
  visit,
} from 'graphql';

/**
 * Static cost of an operation before it runs, from the `@cost` and `@listSize` directives of the
 * supergraph (the IBM GraphQL cost specification, as Apollo's demand control reads it):
 *
 * - a field costs its `@cost(weight:)`, else its type's `@cost`, else 1 for an object and 0 for a
 *   scalar or enum; plus the weights of the arguments it is given that carry a `@cost`;
 * - a list multiplies the cost of one element (its weight and everything selected under it) by
 *   its size: the largest of its `slicingArguments` the operation gives (literal, variable, or the
 *   argument's default), else its `assumedSize`, else {@link DEFAULT_LIST_SIZE};
 * - with `sizedFields` (connections), that size multiplies the named child lists (`edges`)
 *   instead, and the connection itself counts once;
 * - a mutation starts at {@link MUTATION_BASE_COST}; `@skip`/`@include` are honoured.
 *
 * The schema annotates what needs a round trip to a legacy system (every connection and lookup:
 * `@cost(weight: 10)` in schema/*.graphql), so the figure is an upper bound of the legacy work the
 * operation may cause if nothing were batched or cached — what a caller may ask of us, not what
 * one run happens to cost.
 */

/** Elements assumed in a list the schema gives no `@listSize` for. */
export const DEFAULT_LIST_SIZE = 10;
const MAX_INT = 2 ** 31 - 1;
/** A mutation writes to a legacy system however little it selects (Apollo's default). */
export const MUTATION_BASE_COST = 10;

interface ListSize {
  assumedSize?: number;
  slicingArguments: string[];
  sizedFields: string[];
}

interface FieldCost {
  weight?: number;
  listSize?: ListSize;
  /** Arguments with a `@cost` of their own, by name. */
  argumentWeights: Map<string, number>;
}

/** The supergraph's types and cost directives, read once at start. */
export interface CostModel {
  schema: GraphQLSchema;
  fieldCosts: Map<string, FieldCost>;
  typeWeights: Map<string, number>;
}

/** Reads the cost directives of a composed supergraph (schema/supergraph.graphql). */
export function costModelFromSupergraph(supergraphSdl: string): CostModel {
  // The supergraph's types are the API schema's (plus join__/link__ machinery nobody selects);
  // unlike the API schema, it keeps the @cost/@listSize directives on its AST nodes.
  const schema = buildASTSchema(parse(supergraphSdl), { assumeValidSDL: true });
  const fieldCosts = new Map<string, FieldCost>();
  const typeWeights = new Map<string, number>();
  for (const type of Object.values(schema.getTypeMap())) {
    const typeWeight = costWeight(type.astNode?.directives);
    if (typeWeight !== undefined) typeWeights.set(type.name, typeWeight);
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const weight = costWeight(field.astNode?.directives);
      const listSize = listSizeOf(field.astNode?.directives);
      const argumentWeights = new Map<string, number>();
      for (const argument of field.args) {
        const argumentWeight = costWeight(argument.astNode?.directives);
        if (argumentWeight !== undefined) argumentWeights.set(argument.name, argumentWeight);
      }
      if (weight !== undefined || listSize !== undefined || argumentWeights.size > 0) {
        fieldCosts.set(`${type.name}.${field.name}`, {
          ...(weight === undefined ? {} : { weight }),
          ...(listSize === undefined ? {} : { listSize }),
          argumentWeights,
        });
      }
    }
  }
  return { schema, fieldCosts, typeWeights };
}

export interface CostInput {
  operation: OperationDefinitionNode;
  /** The document's fragments by name. */
  fragments: Record<string, FragmentDefinitionNode>;
  /** The request's variables as sent (not yet coerced). */
  variables?: Record<string, unknown>;
}

/** The operation's estimated cost (see the module comment); an integer, or Infinity for absurd sizes. */
export function estimateCost(model: CostModel, input: CostInput): number {
  const rootType =
    input.operation.operation === 'mutation'
      ? model.schema.getMutationType()
      : input.operation.operation === 'subscription'
        ? model.schema.getSubscriptionType()
        : model.schema.getQueryType();
  if (!rootType) return 0;
  const variables = input.variables ?? {};
  const variableDefaults = new Map<string, ValueNode>();
  for (const definition of input.operation.variableDefinitions ?? []) {
    if (definition.defaultValue)
      variableDefaults.set(definition.variable.name.value, definition.defaultValue);
  }
  // A fragment's cost depends on where it is spread only through the sized fields it may contain:
  // memoised per (fragment, sizing), so a document spreading fragments many times costs little to measure.
  const fragmentCosts = new Map<string, number>();
  const inProgress = new Set<string>();

  function argumentValue(node: ValueNode): unknown {
    switch (node.kind) {
      case Kind.VARIABLE: {
        const name = node.name.value;
        if (Object.hasOwn(variables, name)) return variables[name];
        const fallback = variableDefaults.get(name);
        return fallback ? argumentValue(fallback) : undefined;
      }
      case Kind.INT:
        return Number(node.value);
      case Kind.BOOLEAN:
        return node.value;
      default:
        return undefined;
    }
  }

  function skipped(directives: readonly DirectiveNode[] | undefined): boolean {
    for (const directive of directives ?? []) {
      const condition = directive.arguments?.find((argument) => argument.name.value === 'if');
      if (!condition) continue;
      const value = argumentValue(condition.value);
      if (directive.name.value === 'skip' && value === true) return true;
      if (directive.name.value === 'include' && value === false) return true;
    }
    return false;
  }

  /** The size the field's `@listSize` gives it in this operation. */
  function sizeOf(listSize: ListSize, field: GraphQLField<unknown, unknown>, node: FieldNode): number {
    let size: number | undefined;
    for (const name of listSize.slicingArguments) {
      const given = node.arguments?.find((argument) => argument.name.value === name);
      const value = given
        ? argumentValue(given.value)
        : field.args.find((argument) => argument.name === name)?.defaultValue;
      if (typeof value === 'number' && Number.isFinite(value)) size = Math.max(size ?? 0, value);
    }
    // An Int argument cannot be larger; a bigger variable is refused later, and must not overflow this.
    return Math.min(MAX_INT, Math.max(0, size ?? listSize.assumedSize ?? DEFAULT_LIST_SIZE));
  }

  function typeWeight(type: GraphQLNamedType): number {
    return model.typeWeights.get(type.name) ?? (isCompositeType(type) ? 1 : 0);
  }

  function selectionSetCost(
    parentType: GraphQLNamedType,
    set: SelectionSetNode,
    sized: Sizing | undefined,
  ): number {
    let cost = 0;
    for (const selection of set.selections) {
      if (skipped(selection.directives)) continue;
      if (selection.kind === Kind.FIELD) {
        cost += fieldCost(parentType, selection, sized);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition
          ? model.schema.getType(selection.typeCondition.name.value)
          : parentType;
        if (type) cost += selectionSetCost(type, selection.selectionSet, sized);
      } else {
        const name = selection.name.value;
        const definition = input.fragments[name];
        const key = `${name}|${sized?.key ?? ''}`;
        const known = fragmentCosts.get(key);
        if (known !== undefined) {
          cost += known;
          continue;
        }
        // A cycle is graphql's NoFragmentCyclesRule's to report; here it just stops the walk.
        const type = definition && model.schema.getType(definition.typeCondition.name.value);
        if (!definition || !type || inProgress.has(key)) continue;
        inProgress.add(key);
        const fragmentCost = selectionSetCost(type, definition.selectionSet, sized);
        inProgress.delete(key);
        fragmentCosts.set(key, fragmentCost);
        cost += fragmentCost;
      }
    }
    return cost;
  }

  function fieldCost(parentType: GraphQLNamedType, node: FieldNode, sized: Sizing | undefined): number {
    // Introspection (__typename, __schema, __type) is answered by the gateway itself.
    if (node.name.value.startsWith('__')) return 0;
    if (!isObjectType(parentType) && !isInterfaceType(parentType)) return 0;
    const field = parentType.getFields()[node.name.value];
    if (!field) return 0;
    const spec = model.fieldCosts.get(`${parentType.name}.${field.name}`);
    const type = getNamedType(field.type);
    let argumentCost = 0;
    for (const argument of node.arguments ?? [])
      argumentCost += spec?.argumentWeights.get(argument.name.value) ?? 0;
    const listSize = spec?.listSize;
    const childSizing: Sizing | undefined =
      listSize && listSize.sizedFields.length > 0
        ? sizing(listSize.sizedFields, sizeOf(listSize, field, node))
        : undefined;
    const count = sized?.fields.has(field.name)
      ? sized.size
      : isList(field.type)
        ? listSize && listSize.sizedFields.length === 0
          ? sizeOf(listSize, field, node)
          : DEFAULT_LIST_SIZE
        : 1;
    const children = node.selectionSet ? selectionSetCost(type, node.selectionSet, childSizing) : 0;
    return count * ((spec?.weight ?? typeWeight(type)) + children) + argumentCost;
  }

  const base = input.operation.operation === 'mutation' ? MUTATION_BASE_COST : 0;
  return base + selectionSetCost(rootType, input.operation.selectionSet, undefined);
}

/** Distinct variable values one operation's costs are kept for; past it they are computed each time. */
export const COST_MEMO_ENTRIES = 64;

/**
 * {@link estimateCost} remembered per parsed operation (Apollo Server hands over the same document
 * object for the same text, from its document cache) and per value of the variables the cost can
 * read: those given to a slicing argument (`first: $first`) or to `@skip`/`@include(if:)`. Every
 * other variable (`id: $id`, `search: $search`) never changes the figure, so a customer detail
 * asked for a thousand customers is measured once. The walk is a profile's largest own frame in
 * the gateway's per-request work. Kept per operation object: it goes when the document does.
 */
export function costMemo(
  model: CostModel,
  estimate: typeof estimateCost = estimateCost,
): (input: CostInput) => number {
  const slicing = new Set<string>();
  for (const spec of model.fieldCosts.values())
    for (const name of spec.listSize?.slicingArguments ?? []) slicing.add(name);
  const byOperation = new WeakMap<OperationDefinitionNode, { read: string[]; costs: Map<string, number> }>();
  return (input) => {
    let known = byOperation.get(input.operation);
    if (!known) {
      known = {
        read: costVariables([input.operation, ...Object.values(input.fragments)], slicing),
        costs: new Map(),
      };
      byOperation.set(input.operation, known);
    }
    const variables = input.variables ?? {};
    // Absent and null are different answers (absent takes the default): each name says which.
    const key = JSON.stringify(
      known.read.map((name) => (Object.hasOwn(variables, name) ? [variables[name]] : [])),
    );
    const cached = known.costs.get(key);
    if (cached !== undefined) return cached;
    const cost = estimate(model, input);
    if (known.costs.size < COST_MEMO_ENTRIES) known.costs.set(key, cost);
    return cost;
  };
}

/**
 * The variables estimateCost can read in these definitions: those passed, as a whole, to a
 * directive's argument or to an argument some `@listSize` slices by. A superset of what one walk
 * reads (it does not know which field the argument is on), which only makes the memo's key finer.
 */
function costVariables(
  definitions: readonly (OperationDefinitionNode | FragmentDefinitionNode)[],
  slicing: ReadonlySet<string>,
): string[] {
  const names = new Set<string>();
  for (const definition of definitions) {
    visit(definition, {
      Directive(directive) {
        for (const argument of directive.arguments ?? [])
          if (argument.value.kind === Kind.VARIABLE) names.add(argument.value.name.value);
      },
      Field(field) {
        for (const argument of field.arguments ?? [])
          if (argument.value.kind === Kind.VARIABLE && slicing.has(argument.name.value))
            names.add(argument.value.name.value);
      },
    });
  }
  return [...names].sort();
}

/** The child lists a connection's size applies to, and that size. */
interface Sizing {
  fields: Set<string>;
  size: number;
  key: string;
}

function sizing(fields: string[], size: number): Sizing {
  return { fields: new Set(fields), size, key: `${fields.join(',')}:${size}` };
}

function isList(type: GraphQLField<unknown, unknown>['type']): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

function costWeight(directives: readonly ConstDirectiveNode[] | undefined): number | undefined {
  const directive = directives?.find((d) => d.name.value === 'cost');
  const weight = directive?.arguments?.find((argument) => argument.name.value === 'weight')?.value;
  return weight?.kind === Kind.INT ? Number(weight.value) : undefined;
}

function listSizeOf(directives: readonly ConstDirectiveNode[] | undefined): ListSize | undefined {
  const directive = directives?.find((d) => d.name.value === 'listSize');
  if (!directive) return undefined;
  const argument = (name: string) => directive.arguments?.find((a) => a.name.value === name)?.value;
  const strings = (name: string): string[] => {
    const value = argument(name);
    if (value?.kind === Kind.LIST)
      return value.values.flatMap((item) => (item.kind === Kind.STRING ? [item.value] : []));
    return value?.kind === Kind.STRING ? [value.value] : [];
  };
  const assumed = argument('assumedSize');
  return {
    ...(assumed?.kind === Kind.INT ? { assumedSize: Number(assumed.value) } : {}),
    slicingArguments: strings('slicingArguments'),
    sizedFields: strings('sizedFields'),
  };
}
