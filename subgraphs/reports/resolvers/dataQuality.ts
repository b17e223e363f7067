import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import type { Resolvers } from '../__generated__/resolvers-types.js';
import type { CountsWanted } from '../dataQuality.js';

/** The names of the fields selected (through fragments) under the resolved field. */
function selectedNames(info: GraphQLResolveInfo): Set<string> {
  const names = new Set<string>();
  const visit = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else visit(info.fragments[selection.name.value]?.selectionSet);
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet);
  return names;
}

/**
 * What the selection of `counts` needs read: the expensive scan of every linked pair only for
 * erpOnlyCustomers and fieldConflicts.
 */
function countsWanted(info: GraphQLResolveInfo): CountsWanted {
  const names = selectedNames(info);
  return {
    accountCounts: ['crmOnlyAccounts', 'prospects', 'duplicateAccounts'].some((name) => names.has(name)),
    erpOnlyCustomers: names.has('erpOnlyCustomers'),
    fieldConflicts: names.has('fieldConflicts'),
  };
}

export const dataQualityResolvers: Pick<Resolvers, 'Query' | 'DataQuality'> = {
  Query: {
    // The figures are the fields', each read when asked for.
    dataQuality: () => ({}),
  },
  DataQuality: {
    counts: (_parent, _args, ctx, info) => ctx.dataQuality.counts(countsWanted(info), ctx.requestId),
    crmOnlyAccounts: (_parent, args, ctx) => ctx.dataQuality.crmOnlyAccounts(args, ctx.requestId),
    erpOnlyCustomers: (_parent, args, ctx) => ctx.dataQuality.erpOnlyCustomers(args, ctx.requestId),
    duplicateAccounts: (_parent, args, ctx) => ctx.dataQuality.duplicateAccounts(args, ctx.requestId),
    fieldConflicts: (_parent, args, ctx) => ctx.dataQuality.fieldConflicts(args, ctx.requestId),
  },
};
