import { badLegacyResponse } from '../../../lib/errors.js';
import type { ErpClient } from '../../erp/client/erpClient.js';
import { allOf, contains, GUID_RE, stringLiteral } from '../../erp/client/odata.js';

/**
 * The one ERP read the CRM subgraph makes: the ERP's customers by name, for its customer list
 * while the CRM is down (erpFallback.ts). It is Business Central protocol, so it is written here,
 * in a client, on top of the ERP client's own request building; it belongs with the ERP client's
 * customer pages (subgraphs/erp/client/customerPages.ts) once that offers it.
 */

export interface ErpCustomersByName {
  /** By displayName, then id (lower case), as BC orders them: code points. */
  customers: { id: string; name: string }[];
  /** BC goes on after these (it may answer fewer than asked: its own page size). */
  more: boolean;
}

const LABEL = 'customers by name';

/**
 * Up to `limit` customers in one request, those whose name contains `search` (as BC compares:
 * `contains`), from the name `from` on (`inclusive`: that name too).
 */
export async function erpCustomersByName(
  erp: ErpClient,
  args: { search?: string; from?: { name: string; inclusive: boolean }; limit: number },
  requestId: string,
): Promise<ErpCustomersByName> {
  const conditions = [
    ...(args.search === undefined ? [] : [contains('displayName', args.search)]),
    ...(args.from
      ? [`displayName ${args.from.inclusive ? 'ge' : 'gt'} ${stringLiteral(args.from.name)}`]
      : []),
  ];
  const link = await erp.collectionLink(
    'customers',
    { filter: allOf(conditions), select: ['id', 'displayName'], orderby: 'displayName,id' },
    requestId,
  );
  const page = await erp.getPage<{ id?: unknown; displayName?: unknown }>(
    { link, pageSize: args.limit },
    LABEL,
    requestId,
  );
  const customers = page.rows.map((row) => {
    if (typeof row.id !== 'string' || !GUID_RE.test(row.id))
      throw badLegacyResponse('ERP', LABEL, 'a customer without id');
    return { id: row.id.toLowerCase(), name: typeof row.displayName === 'string' ? row.displayName : '' };
  });
  return { customers, more: page.nextLink !== null };
}
