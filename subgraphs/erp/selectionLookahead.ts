import { type FieldNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';

/**
 * What the selection below a resolved field asks for further down, so a list can be read with
 * what its rows' fields will need instead of a lookup after it (the CRM subgraph reads its
 * accounts' lists ahead the same way: subgraphs/crm/selectionLookahead.ts).
 */

/** The fields named `name` in a selection set, through inline fragments and named ones (and aliases). */
function fieldsNamed(
  selectionSet: SelectionSetNode | undefined,
  name: string,
  info: GraphQLResolveInfo,
): FieldNode[] {
  const found: FieldNode[] = [];
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === name) found.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      found.push(...fieldsNamed(selection.selectionSet, name, info));
    } else {
      found.push(...fieldsNamed(info.fragments[selection.name.value]?.selectionSet, name, info));
    }
  }
  return found;
}

/** Whether the selection below the resolved field reaches `path` (field names, outermost first). */
function selects(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  let level: readonly FieldNode[] = info.fieldNodes;
  for (const name of path) {
    level = level.flatMap((field) => fieldsNamed(field.selectionSet, name, info));
    if (level.length === 0) return false;
  }
  return true;
}

/** Whether the lines a field resolves to ask for the products they sell (`lines { product … }`). */
export function asksProducts(info: GraphQLResolveInfo): boolean {
  return selects(info, ['product']);
}

/**
 * Whether a connection of sales orders asks for the products its orders' lines sell
 * (`edges { node { lines { product … } } }`): then the orders are read with the lines' items
 * expanded, and no lookup of items follows the orders' read.
 */
export function asksLineProducts(info: GraphQLResolveInfo): boolean {
  return selects(info, ['edges', 'node', 'lines', 'product']);
}
