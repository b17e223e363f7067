import { ADDRESS_PARTS, sameText } from '../../../lib/customerComparison.js';
import { appError } from '../../../lib/errors.js';
import type { CustomerResolvers, Discrepancy } from '../__generated__/resolvers-types.js';
import { classifyCustomerId, customerIdOfAccount } from '../client/ids.js';
import { ACCOUNT_LISTS, type CrmList, type ParentList } from '../client/lists.js';
import type { CrmAccount, CrmAccountRef } from '../client/models.js';
import type { CrmContext } from '../context.js';
import type { CustomerModel, ErpAddressInput } from '../models.js';
import { crmAddress } from './address.js';
import { listConnection } from './connection.js';

/** The customer of a CRM account (the ERP customer's id when linked, else the account id), its account not read yet. */
export function customerOf(account: CrmAccountRef): CustomerModel {
  return {
    id: customerIdOfAccount(account.crmAccountId, account.erpCustomerId),
    accountId: account.crmAccountId,
  };
}

/** The customer of an account already read. */
export function customerFromAccount(account: CrmAccount): CustomerModel {
  return { ...customerOf(account), account };
}

/**
 * A customer by Customer.id. A GUID is an ERP customer: its oldest linked account, or
 * `{id, inCrm:false}` when the CRM has none (the ERP subgraph decides whether it exists). An
 * account id: that account, or `unknownAccount` when the CRM does not know it. Anything else
 * is BAD_USER_INPUT.
 */
export async function loadCustomer(
  id: string,
  ctx: CrmContext,
  unknownAccount: 'null' | 'notInCrm',
): Promise<CustomerModel | null> {
  // Representations are JSON from the gateway: the id is not guaranteed to be a string.
  const kind = typeof id === 'string' ? classifyCustomerId(id) : ({ kind: 'invalid' } as const);
  if (kind.kind === 'erp') {
    const oldest = await ctx.loaders.customerAccount.load(`erp:${kind.guid}`);
    return oldest ? customerFromAccount(oldest) : { id, accountId: null, account: null };
  }
  if (kind.kind === 'crm') {
    const account = await ctx.loaders.customerAccount.load(`crm:${kind.accountId}`);
    if (account) return customerFromAccount(account);
    return unknownAccount === 'null' ? null : { id, accountId: null, account: null };
  }
  throw appError(
    'BAD_USER_INPUT',
    `Customer id must be an ERP customer id (a GUID) or a CRM account id (15 or 18 characters).`,
    { argument: 'id' },
  );
}

/**
 * The customer's account. A customer listed from the ERP while the CRM is down (erpFallback.ts)
 * has none to give: its CRM fields fail with the CRM's failure, null with their own error, and
 * the CRM is not called again for them.
 */
async function accountOf(customer: CustomerModel, ctx: CrmContext): Promise<CrmAccount | null> {
  if (customer.crmDown) throw customer.crmDown;
  if (customer.account !== undefined) return customer.account;
  if (!customer.accountId) return null;
  return ctx.loaders.accountById.load(customer.accountId);
}

/** One of the lists of the customer's account; none when the CRM holds no account for the customer. */
function ofAccount<N, P>(list: CrmList<N, P>, customer: CustomerModel): ParentList<N, P> {
  if (customer.crmDown) throw customer.crmDown;
  return { list, parentId: customer.accountId };
}

/** Where the CRM account and the ERP customer disagree (lib/customerComparison.ts's rule), with both values. */
function discrepanciesOf(customer: CustomerModel, account: CrmAccount | null): Discrepancy[] {
  if (!account?.erpCustomerId) return [];
  const found: Discrepancy[] = [];
  const differ = (field: string, crm: string | null | undefined, erp: string | null | undefined) => {
    if (!sameText(crm, erp)) {
      found.push({
        field,
        values: [
          { source: 'CRM', value: crm ?? null },
          { source: 'ERP', value: erp ?? null },
        ],
      });
    }
  };
  if (customer.erpName !== undefined) differ('name', account.name, customer.erpName);
  const erpAddress = customer.erpBillingAddress;
  if (erpAddress !== undefined && erpAddress !== null) {
    for (const part of ADDRESS_PARTS) {
      differ(`billingAddress.${part}`, account.billingAddress[part], erpAddress[part]);
    }
  }
  return found;
}

export const Customer: CustomerResolvers = {
  async __resolveReference(reference, ctx) {
    const customer = await loadCustomer(reference.id, ctx, 'notInCrm');
    if (!customer) return null;
    const ref = reference as { erpName?: string | null; erpBillingAddress?: ErpAddressInput | null };
    return { ...customer, id: reference.id, erpName: ref.erpName, erpBillingAddress: ref.erpBillingAddress };
  },
  id: (customer) => customer.id,
  // The fields a customer listed from the ERP cannot leave null (an error there would null the
  // whole list) say what the list knows without the CRM: no account read, none of its lists.
  inCrm: async (customer, _args, ctx) => !customer.crmDown && (await accountOf(customer, ctx)) !== null,
  crmAccountId: async (customer, _args, ctx) => (await accountOf(customer, ctx))?.crmAccountId ?? null,
  async duplicateCrmAccountIds(customer, _args, ctx) {
    if (customer.crmDown) return [];
    const account = await accountOf(customer, ctx);
    if (!account?.erpCustomerId) return [];
    const linked = await ctx.loaders.accountsOfErpCustomer.load(account.erpCustomerId);
    return linked.filter((a) => a.crmAccountId !== account.crmAccountId).map((a) => a.crmAccountId);
  },
  // Listed from the ERP: the ERP's name.
  name: async (customer, _args, ctx) =>
    customer.crmDown ? (customer.erpName ?? null) : ((await accountOf(customer, ctx))?.name ?? null),
  accountType: async (customer, _args, ctx) => (await accountOf(customer, ctx))?.accountType ?? null,
  industry: async (customer, _args, ctx) => (await accountOf(customer, ctx))?.industry ?? null,
  phone: async (customer, _args, ctx) => (await accountOf(customer, ctx))?.phone ?? null,
  website: async (customer, _args, ctx) => (await accountOf(customer, ctx))?.website ?? null,
  async addresses(customer, _args, ctx) {
    if (customer.crmDown) return [];
    const account = await accountOf(customer, ctx);
    if (!account) return [];
    return [
      crmAddress('BILLING', account.billingAddress),
      crmAddress('SHIPPING', account.shippingAddress),
    ].filter((address) => address !== null);
  },
  owner: async (customer, _args, ctx) => (await accountOf(customer, ctx))?.owner ?? null,
  contacts: (customer, args, ctx) => listConnection(ofAccount(ACCOUNT_LISTS.contacts, customer), args, ctx),
  interactions: (customer, args, ctx) =>
    listConnection(ofAccount(ACCOUNT_LISTS.interactions, customer), args, ctx),
  opportunities: (customer, args, ctx) =>
    listConnection(ofAccount(ACCOUNT_LISTS.opportunities, customer), args, ctx),
  quotes: (customer, args, ctx) => listConnection(ofAccount(ACCOUNT_LISTS.quotes, customer), args, ctx),
  supportCases: (customer, args, ctx) =>
    listConnection(ofAccount(ACCOUNT_LISTS.supportCases, customer), args, ctx),
  async assets(customer, args, ctx) {
    const page = await listConnection(ofAccount(ACCOUNT_LISTS.assets, customer), args, ctx);
    if (!page) return null;
    // The graph knows a unit by its serial: an asset the CRM holds without one is not listed.
    return {
      ...page,
      edges: page.edges.flatMap(({ cursor, node }) =>
        node.serialNumber ? [{ cursor, node: { serialNumber: node.serialNumber, asset: node } }] : [],
      ),
    };
  },
  discrepancies: async (customer, _args, ctx) =>
    customer.crmDown ? [] : discrepanciesOf(customer, await accountOf(customer, ctx)),
};
