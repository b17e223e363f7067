import { anyCase } from '../../lib/byKey.js';
import type { CacheScope } from '../../lib/cacheConfig.js';
import { readOneThroughCache } from '../../lib/cachedBatch.js';
import {
  type Connection,
  connectionOf,
  decodeCursor,
  encodeCursor,
  foreignCursor,
  pageSize,
} from '../../lib/connections.js';
import {
  addressLine,
  type ComparableAddress,
  differingAddressParts,
  samePhone,
  sameText,
} from '../../lib/customerComparison.js';
import { LegacyError } from '../../lib/errors.js';
import { InFlight } from '../../lib/inFlight.js';
import {
  accountCountStatements,
  CrmAccountMatching,
  isCrmOnlyPosition,
  isLinkedPosition,
  type LinkedAccount,
} from '../crm/client/accountMatching.js';
import type { CrmAggregates } from '../crm/client/aggregates.js';
import type { CrmClient } from '../crm/client/crmClient.js';
import { customerIdOfAccount } from '../crm/client/ids.js';
import type { KeysetPosition } from '../crm/client/keyset.js';
import type { Positioned } from '../crm/client/lists.js';
import type { CrmReads } from '../crm/client/reads.js';
import { ErpCustomerPages } from '../erp/client/customerPages.js';
import type { ErpClient } from '../erp/client/erpClient.js';
import { isPagePosition } from '../erp/client/lists.js';
import type { ErpCustomer } from '../erp/client/models.js';
import { type ErpReads, isErpId } from '../erp/client/reads.js';
import { earliest } from './readers.js';

/**
 * Where the CRM and the ERP disagree about who the customers are and what they hold, as lists
 * to work through and as counts. Each list page is a fixed number of legacy requests whatever
 * its size (see each method); the counts are aggregate queries, except what needs every linked
 * pair compared (one scan, cached for the customers' TTL).
 *
 * A linked customer is compared through the account the graph reads it from (its oldest linked
 * account, as Customer.discrepancies does); further accounts on the same ERP customer are
 * duplicates (`duplicateAccounts`), not a second set of conflicts.
 */

export type ConflictField = 'NAME' | 'BILLING_ADDRESS' | 'PHONE' | 'EMAIL';
/** Every field compared, in the order a customer's conflicts are listed. */
const CONFLICT_FIELDS: readonly ConflictField[] = ['NAME', 'BILLING_ADDRESS', 'PHONE', 'EMAIL'];

export interface CustomerRef {
  id: string;
}

export interface UnmatchedCustomerModel {
  customer: CustomerRef;
  source: 'ERP' | 'CRM';
  name: string | null;
  number: string | null;
}

export interface DuplicateAccountsModel {
  customer: CustomerRef;
  crmAccountIds: string[];
}

export interface FieldConflictModel {
  customer: CustomerRef;
  field: ConflictField;
  crmValue: string | null;
  erpValue: string | null;
}

export interface DataQualityCountsModel {
  crmOnlyAccounts: number;
  prospects: number;
  erpOnlyCustomers: number;
  duplicateAccounts: number;
  fieldConflicts: number;
  readAt: string;
}

/** Which counts a request asks for: the scan of every linked pair only when one of its figures is. */
export interface CountsWanted {
  /** crmOnlyAccounts, prospects, duplicateAccounts (the CRM composite). */
  accountCounts: boolean;
  /** erpOnlyCustomers: the ERP's customers less the linked ones it holds (the pair scan). */
  erpOnlyCustomers: boolean;
  fieldConflicts: boolean;
}

export interface DataQualityDeps {
  erpClient: ErpClient;
  crmClient: CrmClient;
  /** The CRM aggregate reader (composites, cached per statement). */
  aggregates: CrmAggregates;
  erpReads: ErpReads;
  crmReads: CrmReads;
  localCurrencyCode: string;
  crmCache?: CacheScope;
  erpCache?: CacheScope;
  now: () => Date;
}

/** Where the conflicts list stands: after the linked row `k`, with `s` conflicts of account `a` (the next row) shown. */
interface ConflictPosition {
  k: KeysetPosition | null;
  a: string | null;
  s: number;
}

function isConflictPosition(value: unknown): value is ConflictPosition {
  if (typeof value !== 'object' || value === null) return false;
  const { k, a, s } = value as Record<string, unknown>;
  return (
    (k === null || isLinkedPosition(k)) &&
    (a === null || (typeof a === 'string' && a.length <= 18)) &&
    typeof s === 'number' &&
    Number.isInteger(s) &&
    s >= 0 &&
    s < CONFLICT_FIELDS.length
  );
}

const isErpCustomerIdPosition = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= 255;

/** ERP customers per scan request (Salesforce answers the accounts in batches of as many). */
const SCAN_PAGE = 2000;

/** What is compared of a customer, as one system holds it. */
export interface ComparedValues {
  name: string | null;
  billingAddress: ComparableAddress;
  phone: string | null;
  /** The CRM's: its billing contact's (null: none, so nothing to compare). */
  email: string | null;
}

/**
 * What the CRM holds of a linked account's customer. A Salesforce account has no e-mail: the
 * CRM's is its billing contact's (the oldest contact in the Billing role that has one), the
 * address onboarding gave the ERP customer.
 */
function crmValuesOf({ account, billingEmail }: LinkedAccount): ComparedValues {
  return {
    name: account.name,
    billingAddress: account.billingAddress,
    phone: account.phone,
    email: billingEmail,
  };
}

function erpValuesOf(customer: ErpCustomer): ComparedValues {
  const { name, billingAddress, phone, email } = customer;
  return { name, billingAddress, phone, email };
}

/**
 * Where a customer's CRM and ERP values disagree, per field asked, by lib/customerComparison's
 * rules; EMAIL only when the CRM holds one (no billing contact disagrees with nothing).
 */
function conflictsOf(
  customerId: string,
  crm: ComparedValues,
  erp: ComparedValues,
  fields: readonly ConflictField[],
): FieldConflictModel[] {
  const customer = { id: customerId };
  const found: FieldConflictModel[] = [];
  const differ = (field: ConflictField, crmValue: string | null, erpValue: string | null) =>
    found.push({ customer, field, crmValue, erpValue });
  for (const field of fields) {
    switch (field) {
      case 'NAME':
        if (!sameText(crm.name, erp.name)) differ(field, crm.name, erp.name);
        break;
      case 'BILLING_ADDRESS':
        if (differingAddressParts(crm.billingAddress, erp.billingAddress).length > 0) {
          differ(field, addressLine(crm.billingAddress), addressLine(erp.billingAddress));
        }
        break;
      case 'PHONE':
        if (!samePhone(crm.phone, erp.phone)) differ(field, crm.phone, erp.phone);
        break;
      case 'EMAIL':
        if (crm.email !== null && !sameText(crm.email, erp.email)) differ(field, crm.email, erp.email);
        break;
    }
  }
  return found;
}

/** A linked account as compared: its conflicts, none for a duplicate or a link to no ERP customer. */
interface ComparedRow {
  row: Positioned<LinkedAccount>;
  conflicts: FieldConflictModel[];
}

export class DataQuality {
  private readonly matching: CrmAccountMatching;
  private readonly crmReads: CrmReads;
  private readonly erpReads: ErpReads;
  private readonly erpCustomers: ErpCustomerPages;
  /** The pair scan running now, if any. */
  private readonly scans = new InFlight<ScanResult>();

  constructor(private readonly deps: DataQualityDeps) {
    this.matching = new CrmAccountMatching(deps.crmClient);
    this.crmReads = deps.crmReads;
    this.erpReads = deps.erpReads;
    this.erpCustomers = new ErpCustomerPages(deps.erpClient, deps.localCurrencyCode);
  }

  /** CRM accounts with no ERP customer, by name: one CRM query per page. */
  async crmOnlyAccounts(
    args: { includeProspects?: boolean | null; first?: number | null; after?: string | null },
    requestId?: string,
  ): Promise<Connection<UnmatchedCustomerModel>> {
    const includeProspects = args.includeProspects ?? false;
    // With prospects it is another list: a cursor of one does not continue the other.
    const kind = includeProspects ? 'dataQuality.crmOnlyWithProspects' : 'dataQuality.crmOnly';
    const size = pageSize(args.first);
    const after = decodeCursor(args.after, kind, isCrmOnlyPosition);
    const rows = await this.matching.crmOnlyPage({ includeProspects, limit: size + 1, after }, requestId);
    return connectionOf(
      rows.slice(0, size).map(({ node, position }) => ({
        cursor: encodeCursor(kind, position),
        node: {
          customer: { id: customerIdOfAccount(node.crmAccountId, null) },
          source: 'CRM' as const,
          name: node.name,
          number: null,
        },
      })),
      { hasNextPage: rows.length > size, hasPreviousPage: after !== undefined },
    );
  }

  /**
   * ERP customers no account is linked to, by number: one ERP page of `first` customers, then
   * one CRM query for which of them are linked. The page holds the others, so it may hold fewer
   * than `first` (none, even); the list goes on while the ERP's does.
   */
  async erpOnlyCustomers(
    args: { first?: number | null; after?: string | null },
    requestId?: string,
  ): Promise<Connection<UnmatchedCustomerModel>> {
    const kind = 'dataQuality.erpOnly';
    const size = pageSize(args.first);
    const after = decodeCursor(args.after, kind, isPagePosition);
    const page = await this.erpCustomers.page(size, after, requestId);
    if (page === undefined) throw foreignCursor();
    const linked = await this.matching.linkedAmong(
      page.customers.map((row) => row.customer.id),
      requestId,
    );
    const unlinked = page.customers.filter((row) => !linked.has(anyCase(row.customer.id)));
    const edges = unlinked.map(({ customer, position }, index) => ({
      // The linked rows after the last one shown are passed too: it continues where the ERP does.
      cursor: encodeCursor(kind, index === unlinked.length - 1 && page.next ? page.next : position),
      node: {
        customer: { id: customer.id },
        source: 'ERP' as const,
        name: customer.name,
        number: customer.number,
      },
    }));
    const end = page.next ?? page.customers.at(-1)?.position ?? after;
    return connectionOf(edges, {
      hasNextPage: page.next !== null,
      hasPreviousPage: after !== undefined,
      endCursor: end === undefined ? null : encodeCursor(kind, end),
    });
  }

  /**
   * ERP customers linked from more than one account, by id: one SOQL aggregate query, then the
   * accounts of the page's customers (oldest first) in one more.
   */
  async duplicateAccounts(
    args: { first?: number | null; after?: string | null },
    requestId?: string,
  ): Promise<Connection<DuplicateAccountsModel>> {
    const kind = 'dataQuality.duplicates';
    const size = pageSize(args.first);
    const after = decodeCursor(args.after, kind, isErpCustomerIdPosition);
    const groups = await this.matching.duplicateGroups(
      { limit: size + 1, ...(after === undefined ? {} : { after }) },
      requestId,
    );
    const shown = groups.slice(0, size);
    const accounts = await this.crmReads.accountsOfErpCustomers(
      shown.map((group) => group.erpCustomerId),
      requestId,
    );
    return connectionOf(
      shown.map((group, index) => ({
        cursor: encodeCursor(kind, group.erpCustomerId),
        node: {
          customer: { id: group.erpCustomerId },
          crmAccountIds: (accounts[index] ?? []).map((account) => account.crmAccountId),
        },
      })),
      { hasNextPage: groups.length > size, hasPreviousPage: after !== undefined },
    );
  }

  /**
   * Conflicting fields of linked customers, one entry per field: each page reads `first` linked
   * accounts (their billing contacts' e-mails in the same query) and then their ERP customers in
   * one lookup. A customer with no conflict adds nothing, so a page may hold fewer than `first`.
   */
  async fieldConflicts(
    args: { fields?: readonly ConflictField[] | null; first?: number | null; after?: string | null },
    requestId?: string,
  ): Promise<Connection<FieldConflictModel>> {
    const fields = args.fields?.length
      ? CONFLICT_FIELDS.filter((field) => args.fields!.includes(field))
      : CONFLICT_FIELDS;
    // The fields compared decide which entries there are: a cursor holds for the same fields only.
    const kind = `dataQuality.fieldConflicts:${fields.join(',')}`;
    const size = pageSize(args.first);
    const after = decodeCursor(args.after, kind, isConflictPosition);
    const rows = await this.matching.linkedPage({ limit: size, after: after?.k ?? undefined }, requestId);
    const compared = await this.compare(rows, after?.k?.[0] ?? null, fields, requestId);
    const edges: { cursor: string; node: FieldConflictModel }[] = [];
    let before = after?.k ?? null;
    let full = false;
    for (const [index, { row, conflicts }] of compared.entries()) {
      // A page that ended inside this account's conflicts showed the first `s` of them.
      const skip = index === 0 && after?.a === row.node.account.crmAccountId ? after.s : 0;
      for (let j = skip; j < conflicts.length; j += 1) {
        if (edges.length === size) {
          full = true;
          break;
        }
        const last = j === conflicts.length - 1;
        const position: ConflictPosition = last
          ? { k: row.position, a: null, s: 0 }
          : { k: before, a: row.node.account.crmAccountId, s: j + 1 };
        edges.push({ cursor: encodeCursor(kind, position), node: conflicts[j]! });
      }
      if (full) break;
      before = row.position;
    }
    const lastRead = rows.at(-1)?.position ?? after?.k ?? null;
    return connectionOf(edges, {
      hasNextPage: full || rows.length === size,
      hasPreviousPage: after !== undefined,
      endCursor: encodeCursor(kind, { k: lastRead, a: null, s: 0 } satisfies ConflictPosition),
    });
  }

  /**
   * The counts asked for. crmOnlyAccounts, prospects and duplicateAccounts: one CRM composite of
   * aggregate queries. erpOnlyCustomers (the ERP's customers less the linked ones it holds: a
   * link may name a customer the ERP no longer has) and fieldConflicts: one comparison of every
   * linked pair, cached.
   */
  async counts(wanted: CountsWanted, requestId?: string): Promise<DataQualityCountsModel> {
    const readAt = this.deps.now().toISOString();
    const [accountCounts, scan] = await Promise.all([
      wanted.accountCounts
        ? this.deps.aggregates.runAll(accountCountStatements(), 'data-quality counts', requestId)
        : undefined,
      wanted.erpOnlyCustomers || wanted.fieldConflicts ? this.cachedScan(requestId) : undefined,
    ]);
    const [crmOnly, prospects, duplicates] = accountCounts ?? [];
    return {
      crmOnlyAccounts: crmOnly?.figures[0] ?? 0,
      prospects: prospects?.figures[0] ?? 0,
      duplicateAccounts: duplicates?.figures.length ?? 0,
      erpOnlyCustomers: scan ? scan.erpCustomers - scan.linkedInErp : 0,
      fieldConflicts: scan?.fieldConflicts ?? 0,
      // An answer is as old as its oldest figure (a cached one is older than this reading).
      readAt: earliest({ readAt }, ...(scan ? [scan] : []), ...(accountCounts ?? [])),
    };
  }

  /** The scan of every linked pair, through the shared cache for the customers' TTL. */
  private cachedScan(requestId: string | undefined): Promise<ScanResult> {
    const { crmCache, erpCache } = this.deps;
    // Both systems decide the answer: the ERP's scope is part of the key.
    const key = erpCache?.scope ?? 'erp';
    return readOneThroughCache(
      crmCache,
      { type: 'reports.dataQuality.scan', ttlMs: (ttl) => ttl.customer },
      key,
      // Callers asking while a scan runs wait for it rather than start another.
      async () => (await this.scans.run('scan', () => this.scan(requestId))).value,
    );
  }

  /**
   * Every linked pair compared: the ERP's customers (SCAN_PAGE a request, by number) and the
   * linked accounts in LINKED_ORDER (one statement, then Salesforce's batches of 2,000 through
   * its query locator) read side by side, each side keeping only what is compared, then joined
   * by ERP id: each customer's oldest account against its ERP customer. Looking the customers up
   * by id instead would cost the ERP a filter of 2,000 ids per 2,000 accounts, and a keyset per
   * page would have Salesforce sort the accounts again for each: both several times slower over
   * 100,000 customers. Memory: the compared values of every customer (tens of MB at 100,000).
   */
  private async scan(requestId: string | undefined): Promise<ScanResult> {
    const readAt = this.deps.now().toISOString();
    const readErp = async () => {
      const erp = new Map<string, ComparedValues>();
      for await (const customers of this.erpCustomers.allCustomers(SCAN_PAGE, requestId)) {
        for (const customer of customers) erp.set(anyCase(customer.id), erpValuesOf(customer));
      }
      return erp;
    };
    const readCrm = async () => {
      const firsts: { id: string; values: ComparedValues }[] = [];
      let previous: string | null = null;
      for await (const batch of this.matching.allLinked(requestId)) {
        for (const linked of batch) {
          const id = anyCase(linked.account.erpCustomerId ?? '');
          // Further accounts of a customer are duplicates, not the customer's values.
          if (id !== previous) firsts.push({ id, values: crmValuesOf(linked) });
          previous = id;
        }
      }
      return firsts;
    };
    const [erp, crm] = await Promise.all([readErp(), readCrm()]);
    let linkedInErp = 0;
    let fieldConflicts = 0;
    for (const { id, values } of crm) {
      const customer = erp.get(id);
      if (!customer) continue;
      linkedInErp += 1;
      fieldConflicts += conflictsOf(id, values, customer, CONFLICT_FIELDS).length;
    }
    return { readAt, erpCustomers: erp.size, linkedInErp, fieldConflicts };
  }

  /**
   * A page of linked accounts (in LINKED_ORDER) compared with their ERP customers, looked up in
   * one batch: only each customer's first account (the account before the page had
   * `previousErpId`). A link that is no ERP id, or names a customer the ERP does not hold, is
   * compared with nothing.
   */
  private async compare(
    page: readonly Positioned<LinkedAccount>[],
    previousErpId: string | null,
    fields: readonly ConflictField[],
    requestId: string | undefined,
  ): Promise<ComparedRow[]> {
    let previous = previousErpId === null ? null : anyCase(previousErpId);
    const firstIds = page.map((row) => {
      const id = anyCase(row.node.account.erpCustomerId ?? '');
      const first = id !== previous;
      previous = id;
      return first && isErpId(id) ? id : null;
    });
    const ids = [...new Set(firstIds.filter((id) => id !== null))];
    const found = await this.erpReads.customersById(ids, requestId);
    const byId = new Map<string, ErpCustomer | null>();
    ids.forEach((id, index) => {
      const customer = found[index];
      if (customer instanceof LegacyError) throw customer;
      byId.set(id, customer ?? null);
    });
    return page.map((row, index) => {
      const id = firstIds[index];
      const erp = id ? byId.get(id) : null;
      const { account } = row.node;
      return {
        row,
        conflicts: erp
          ? conflictsOf(
              customerIdOfAccount(account.crmAccountId, account.erpCustomerId),
              crmValuesOf(row.node),
              erpValuesOf(erp),
              fields,
            )
          : [],
      };
    });
  }
}

interface ScanResult {
  readAt: string;
  erpCustomers: number;
  /** Linked customers the ERP holds (each counted once, however many accounts link it). */
  linkedInErp: number;
  fieldConflicts: number;
}
