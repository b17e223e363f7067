import {
  type FieldNode,
  type GraphQLResolveInfo,
  Kind,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../lib/connections.js';
import { ACCOUNT_LISTS, type ChildListRequest } from './client/lists.js';

/** The account's list a Customer field pages, if `name` is one. */
function accountListOf(name: string) {
  return Object.hasOwn(ACCOUNT_LISTS, name) ? ACCOUNT_LISTS[name as keyof typeof ACCOUNT_LISTS] : undefined;
}

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
 * What the selection set of a `customers` field asks on every node as first pages of the
 * account's lists (`edges { node { interactions(first: 5) … } }`, through fragments, aliases
 * and variables; aliases may ask several page sizes), as the client's read-ahead requests, so
 * the accounts page can read them in the same call. A list asked with `after`, or with a page
 * size out of range, is left to its resolver (which pages on from a cursor or refuses the size).
 */
export function childListsAhead(info: GraphQLResolveInfo): ChildListRequest[] {
  const wanted = new Map<string, ChildListRequest>();
  for (const connection of info.fieldNodes) {
    for (const edges of fieldsOf(connection.selectionSet, info, 'edges')) {
      for (const node of fieldsOf(edges.selectionSet, info, 'node')) {
        for (const field of fieldsOf(node.selectionSet, info)) {
          const list = accountListOf(field.name.value);
          if (!list) continue;
          const argument = (name: string) =>
            argumentValue(field.arguments?.find((a) => a.name.value === name)?.value, info);
          const after = argument('after');
          if (after !== undefined && after !== null) continue;
          const first = argument('first') ?? DEFAULT_PAGE_SIZE;
          if (typeof first !== 'number' || !Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE)
            continue;
          for (const request of list.readAhead(first)) {
            wanted.set(`${request.list}:${request.limit}`, request);
          }
        }
      }
    }
  }
  return [...wanted.values()];
}
