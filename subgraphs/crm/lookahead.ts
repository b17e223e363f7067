import {
  type FieldNode,
  type GraphQLResolveInfo,
  Kind,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../lib/connections.js';
import type { ChildListRequest } from './client/crmClient.js';
import type { ChildListName } from './client/fields.js';

/** Customer fields that are first pages of account child lists, and the lists each reads. */
const CONNECTION_FIELDS: Record<string, readonly ChildListName[]> = {
  interactions: ['tasks', 'events'],
  contacts: ['contacts'],
  opportunities: ['opportunities'],
  quotes: ['quotes'],
  supportCases: ['cases'],
};

function fieldsOf(
  selectionSet: SelectionSetNode | undefined,
  info: GraphQLResolveInfo,
  name?: string,
): FieldNode[] {
  const found: FieldNode[] = [];
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      if (name === undefined || selection.name.value === name) found.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      found.push(...fieldsOf(selection.selectionSet, info, name));
    } else {
      found.push(...fieldsOf(info.fragments[selection.name.value]?.selectionSet, info, name));
    }
  }
  return found;
}

function argumentValue(node: ValueNode | undefined, info: GraphQLResolveInfo): unknown {
  if (node === undefined) return undefined;
  if (node.kind === Kind.VARIABLE) return info.variableValues[node.name.value];
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.NULL) return null;
  return Symbol('unsupported');
}

/**
 * The child lists (and page sizes: aliases may ask several) a `customers` selection will ask for on every node as first pages
 * (`edges { node { interactions(first: 5) … } }`), so the accounts page can read them in the
 * same SOQL as relationship subqueries. A list asked with `after`, or with a page size out of
 * range, is left to its resolver (which pages by keyset or refuses the size).
 */
export function childListsAhead(info: GraphQLResolveInfo): ChildListRequest[] {
  const wanted = new Map<string, ChildListRequest>();
  for (const connection of info.fieldNodes) {
    for (const edges of fieldsOf(connection.selectionSet, info, 'edges')) {
      for (const node of fieldsOf(edges.selectionSet, info, 'node')) {
        for (const field of fieldsOf(node.selectionSet, info)) {
          const lists = CONNECTION_FIELDS[field.name.value];
          if (!lists) continue;
          const argument = (name: string) =>
            argumentValue(field.arguments?.find((a) => a.name.value === name)?.value, info);
          const after = argument('after');
          if (after !== undefined && after !== null) continue;
          const first = argument('first') ?? DEFAULT_PAGE_SIZE;
          if (typeof first !== 'number' || !Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE)
            continue;
          for (const list of lists) wanted.set(`${list}:${first + 1}`, { list, limit: first + 1 });
        }
      }
    }
  }
  return [...wanted.values()];
}
