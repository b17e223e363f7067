import { connectionOf, decodeCursor, encodeCursor, pageSize } from '../../../lib/connections.js';
import { appError } from '../../../lib/errors.js';
import type {
  CustomerResolvers,
  Discrepancy,
  InteractionConnection,
  ResolversTypes,
} from '../__generated__/resolvers-types.js';
import { CHILD_LISTS } from '../client/fields.js';
import { classifyCustomerId } from '../client/ids.js';
import { isKeysetFor, type KeysetPosition, positionOf } from '../client/keyset.js';
import type { AccountRecord, EventRecord, TaskRecord } from '../client/types.js';
import type { CrmContext } from '../context.js';
import type { CustomerModel, ErpAddressInput, InteractionModel } from '../models.js';
import { crmAddress, ownerOf } from './common.js';

/** A customer from its account: the ERP customer's id when linked, else the account id. */
export function customerFromAccount(account: AccountRecord): CustomerModel {
  return { id: account.ERP_Customer_Id__c ?? account.Id, accountId: account.Id, account };
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

export async function accountOf(customer: CustomerModel, ctx: CrmContext): Promise<AccountRecord | null> {
  if (customer.account !== undefined) return customer.account;
  if (!customer.accountId) return null;
  return ctx.loaders.accountById.load(customer.accountId);
}

/** A page of one of the account's child lists, with keyset cursors. */
export async function childConnection<T extends object>(
  customer: CustomerModel,
  ctx: CrmContext,
  list: 'contacts' | 'opportunities' | 'quotes' | 'cases',
  args: { first?: number | null; after?: string | null },
) {
  const size = pageSize(args.first);
  const spec = CHILD_LISTS[list];
  const after = decodeCursor(args.after, list, isKeysetFor(spec.orderBy));
  if (!customer.accountId) return null;
  const rows = (await ctx.loaders.childList.load({
    parentId: customer.accountId,
    list,
    limit: size + 1,
    after,
  })) as T[];
  const edges = rows
    .slice(0, size)
    .map((node) => ({ cursor: encodeCursor(list, positionOf(node, spec.orderBy)), node }));
  return connectionOf(edges, { hasNextPage: rows.length > size, hasPreviousPage: after !== undefined });
}

interface InteractionPosition {
  t: KeysetPosition | null;
  e: KeysetPosition | null;
}

const isInteractionPosition = (value: unknown): value is InteractionPosition => {
  if (typeof value !== 'object' || value === null) return false;
  const { t, e } = value as Record<string, unknown>;
  return (
    (t === null || isKeysetFor(CHILD_LISTS.tasks.orderBy)(t)) &&
    (e === null || isKeysetFor(CHILD_LISTS.events.orderBy)(e))
  );
};

/** Milliseconds of an interaction's place in time; tasks (a date) count from midnight UTC. */
function timeOf(item: InteractionModel): number {
  const raw =
    item.kind === 'task'
      ? item.record.ActivityDate && `${item.record.ActivityDate}T00:00:00.000Z`
      : item.record.ActivityDateTime?.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const time = raw ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

/**
 * Tasks and events of the account, newest first: both streams are read with first+1 rows
 * (batched across accounts in one statement) and merged; the cursor holds a keyset position
 * in each stream, so the next page continues each where this one stopped.
 */
export async function interactionConnection(
  customer: CustomerModel,
  ctx: CrmContext,
  args: { first?: number | null; after?: string | null },
): Promise<InteractionConnection | null> {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after, 'interactions', isInteractionPosition);
  if (!customer.accountId) return null;
  const accountId = customer.accountId;
  const [tasks, events] = (await Promise.all([
    ctx.loaders.childList.load({
      parentId: accountId,
      list: 'tasks',
      limit: size + 1,
      after: after?.t ?? undefined,
    }),
    ctx.loaders.childList.load({
      parentId: accountId,
      list: 'events',
      limit: size + 1,
      after: after?.e ?? undefined,
    }),
  ])) as [TaskRecord[], EventRecord[]];
  const position: InteractionPosition = { t: after?.t ?? null, e: after?.e ?? null };
  const edges: { cursor: string; node: InteractionModel }[] = [];
  let ti = 0;
  let ei = 0;
  while (edges.length < size && (ti < tasks.length || ei < events.length)) {
    const task: InteractionModel | undefined = tasks[ti] && { kind: 'task', record: tasks[ti]! };
    const event: InteractionModel | undefined = events[ei] && { kind: 'event', record: events[ei]! };
    const takeTask = task !== undefined && (event === undefined || timeOf(task) >= timeOf(event));
    const node = takeTask ? task! : event!;
    if (takeTask) {
      ti += 1;
      position.t = positionOf(node.record, CHILD_LISTS.tasks.orderBy);
    } else {
      ei += 1;
      position.e = positionOf(node.record, CHILD_LISTS.events.orderBy);
    }
    edges.push({ cursor: encodeCursor('interactions', { ...position }), node });
  }
  const hasNextPage = ti < tasks.length || ei < events.length;
  // Models are mapped by codegen; the connection's edges carry InteractionModel nodes.
  return connectionOf(edges, {
    hasNextPage,
    hasPreviousPage: after !== undefined,
  }) as unknown as InteractionConnection;
}

const normalise = (value: string | null | undefined) =>
  (value ?? '').trim().replace(/\s+/g, ' ').toLowerCase();

const ADDRESS_FIELDS: { field: keyof ErpAddressInput; crm: keyof AccountRecord }[] = [
  { field: 'street', crm: 'BillingStreet' },
  { field: 'city', crm: 'BillingCity' },
  { field: 'state', crm: 'BillingState' },
  { field: 'postalCode', crm: 'BillingPostalCode' },
  { field: 'country', crm: 'BillingCountry' },
];

/** Where the CRM account and the ERP customer disagree (trimmed, case-insensitive), with both values. */
export function discrepanciesOf(customer: CustomerModel, account: AccountRecord | null): Discrepancy[] {
  if (!account?.ERP_Customer_Id__c) return [];
  const found: Discrepancy[] = [];
  const differ = (field: string, crm: string | null | undefined, erp: string | null | undefined) => {
    if (normalise(crm) !== normalise(erp)) {
      found.push({
        field,
        values: [
          { source: 'CRM', value: crm ?? null },
          { source: 'ERP', value: erp ?? null },
        ],
      });
    }
  };
  if (customer.erpName !== undefined) differ('name', account.Name, customer.erpName);
  if (customer.erpBillingAddress !== undefined && customer.erpBillingAddress !== null) {
    for (const { field, crm } of ADDRESS_FIELDS) {
      differ(`billingAddress.${field}`, account[crm] as string | null, customer.erpBillingAddress[field]);
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
  inCrm: async (customer, _args, ctx) => (await accountOf(customer, ctx)) !== null,
  crmAccountId: async (customer, _args, ctx) => (await accountOf(customer, ctx))?.Id ?? null,
  async duplicateCrmAccountIds(customer, _args, ctx) {
    const account = await accountOf(customer, ctx);
    if (!account?.ERP_Customer_Id__c) return [];
    const linked = await ctx.loaders.accountsByErpId.load(account.ERP_Customer_Id__c);
    return linked.filter((a) => a.Id !== account.Id).map((a) => a.Id);
  },
  name: async (customer, _args, ctx) => (await accountOf(customer, ctx))?.Name ?? null,
  accountType: async (customer, _args, ctx) => (await accountOf(customer, ctx))?.Type ?? null,
  industry: async (customer, _args, ctx) => (await accountOf(customer, ctx))?.Industry ?? null,
  phone: async (customer, _args, ctx) => (await accountOf(customer, ctx))?.Phone ?? null,
  website: async (customer, _args, ctx) => (await accountOf(customer, ctx))?.Website ?? null,
  async addresses(customer, _args, ctx) {
    const a = await accountOf(customer, ctx);
    if (!a) return [];
    return [
      crmAddress('BILLING', {
        street: a.BillingStreet,
        city: a.BillingCity,
        state: a.BillingState,
        postalCode: a.BillingPostalCode,
        country: a.BillingCountry,
      }),
      crmAddress('SHIPPING', {
        street: a.ShippingStreet,
        city: a.ShippingCity,
        state: a.ShippingState,
        postalCode: a.ShippingPostalCode,
        country: a.ShippingCountry,
      }),
    ].filter((address) => address !== null);
  },
  owner: async (customer, _args, ctx) => ownerOf((await accountOf(customer, ctx))?.Owner),
  contacts: (customer, args, ctx) =>
    childConnection(customer, ctx, 'contacts', args) as Promise<ResolversTypes['ContactConnection'] | null>,
  interactions: (customer, args, ctx) =>
    interactionConnection(customer, ctx, args) as Promise<ResolversTypes['InteractionConnection'] | null>,
  opportunities: (customer, args, ctx) =>
    childConnection(customer, ctx, 'opportunities', args) as Promise<
      ResolversTypes['OpportunityConnection'] | null
    >,
  quotes: (customer, args, ctx) =>
    childConnection(customer, ctx, 'quotes', args) as Promise<ResolversTypes['QuoteConnection'] | null>,
  supportCases: (customer, args, ctx) =>
    childConnection(customer, ctx, 'cases', args) as Promise<ResolversTypes['SupportCaseConnection'] | null>,
  discrepancies: async (customer, _args, ctx) => discrepanciesOf(customer, await accountOf(customer, ctx)),
};
