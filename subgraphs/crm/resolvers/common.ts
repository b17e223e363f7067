import { connectionOf, decodeCursor, encodeCursor, pageSize } from '../../../lib/connections.js';
import type { AddressPurpose } from '../__generated__/resolvers-types.js';
import type { CrmList } from '../client/lists.js';
import type { CrmAccountRef, CrmPostalAddress } from '../client/models.js';
import type { CrmContext } from '../context.js';
import type { CustomerModel } from '../models.js';

/** An address of the CRM's, or null when the CRM holds none (every part blank). */
export function crmAddress(purpose: AddressPurpose, address: CrmPostalAddress) {
  if (Object.values(address).every((v) => v === null || v === '')) return null;
  return { purpose, source: 'CRM' as const, ...address };
}

/** The customer of a CRM account: the ERP customer's id when linked, else the account id. */
export function customerOf(account: CrmAccountRef): CustomerModel {
  return { id: account.erpCustomerId ?? account.crmAccountId, accountId: account.crmAccountId };
}

/** A page of one of the lists the CRM keeps of a parent (an account, a product), as a connection. */
export async function listConnection<N, P>(
  list: CrmList<N, P>,
  parentId: string | null,
  args: { first?: number | null; after?: string | null },
  ctx: CrmContext,
) {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after, list.kind, list.isPosition);
  if (!parentId) return null;
  const page = await list.page(parentId, size, after, (read) => ctx.loaders.childList.load(read));
  const edges = page.items.map(({ node, position }) => ({ cursor: encodeCursor(list.kind, position), node }));
  return connectionOf(edges, { hasNextPage: page.hasMore, hasPreviousPage: after !== undefined });
}
