import { createHash } from 'node:crypto';
import type { CacheScope, CacheTtls } from '../../../lib/cacheConfig.js';
import { readThroughCache } from '../../../lib/cachedBatch.js';
import { type Amount, formatAmount } from '../../../lib/domain.js';
import { badLegacyResponse, LegacyError } from '../../../lib/errors.js';
import type { CrmClient } from './crmClient.js';
import {
  dateLiteral,
  encodeSoqlParameter,
  type FilterField,
  inList,
  type SoqlCondition,
  stringLiteral,
} from './soql.js';
import type { SfQueryResult } from './types.js';

/**
 * The CRM's figures as Salesforce computes them: SOQL aggregate queries (SUM, COUNT, GROUP BY),
 * never records read one by one. A request's statements go out together ({@link
 * CrmAggregates.runAll}): one `composite` request of at most five queries (Salesforce's bound),
 * more as several composites in parallel, a lone one as a plain query. Each answer is kept in the
 * shared cache under its statement, so a report asked again within the TTL costs nothing.
 * Values reach a statement only through soql.ts's literal functions; field names are fixed here.
 */

/** How opportunity figures are grouped (NONE: per currency only). */
export type OpportunityGrouping = 'OWNER' | 'MONTH' | 'REGION' | 'CAMPAIGN' | 'NONE';

export interface OpportunityTotal {
  /** The owner's e-mail, the close month (YYYY-MM), the billing state (else country) or the campaign id; null: none. */
  group: string | null;
  currencyCode: string;
  /** The probability (percent) the amounts were entered with; null for won figures, which are not weighted. */
  probability: number | null;
  amount: Amount;
  opportunities: number;
}

export interface ProductTotal {
  sku: string | null;
  currencyCode: string;
  probability: number | null;
  amount: Amount;
  opportunities: number;
}

export interface OwnerCount {
  email: string;
  count: number;
}

export interface CampaignMemberCount {
  campaignId: string;
  responded: boolean;
  members: number;
}

/** A customer among a campaign's members, by its ERP customer number. */
export interface CampaignMemberAccount {
  campaignId: string;
  erpCustomerNumber: string | null;
}

export interface CampaignCustomerCount {
  campaignId: string;
  /** Distinct accounts among the members. */
  accounts: number;
}

export interface Read<T> {
  figures: T[];
  readAt: string;
}

export type Freshness = Extract<keyof CacheTtls, 'document' | 'master' | 'activity'>;

/** One aggregate statement, to send with others. */
export interface AggregateStatement<T> {
  /** The statement (of its first page, when paged): also its cache key. */
  soql: string;
  freshness: Freshness;
  map: (row: Record<string, unknown>) => T;
  /**
   * For a statement whose groups may pass the rows Salesforce answers at once: it is ordered by
   * its first grouped field and read in pages of whole groups, each after the last key of the
   * page before (`render(after)`).
   */
  page?: { column: string; render: (after: string | null, limit: number) => string };
}

/** A GROUP BY statement, paged by its first grouped field when `pageBy` names it. */
function grouped(
  spec: {
    select: string;
    from: string;
    where: readonly string[];
    groupBy: string;
    pageBy?: { path: string; column: string };
  },
  maxRows: number,
): Pick<AggregateStatement<unknown>, 'soql' | 'page'> {
  const render = (after: string | null, limit?: number) => {
    const where = [...spec.where];
    if (after !== null && spec.pageBy) where.push(`${spec.pageBy.path} >= ${stringLiteral(after)}`);
    const clause = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
    const order =
      spec.pageBy && limit !== undefined
        ? ` ORDER BY ${spec.pageBy.path} ASC NULLS FIRST LIMIT ${limit}`
        : '';
    return `SELECT ${spec.select} FROM ${spec.from}${clause} GROUP BY ${spec.groupBy}${order}`;
  };
  if (!spec.pageBy) return { soql: render(null) };
  return { soql: render(null, maxRows), page: { column: spec.pageBy.column, render } };
}

type ReadsOf<Q extends readonly AggregateStatement<unknown>[]> = {
  [K in keyof Q]: Q[K] extends AggregateStatement<infer T> ? Read<T> : never;
};

/** Salesforce runs at most five queries in one composite request. */
const MAX_QUERIES_PER_COMPOSITE = 5;
/** Salesforce answers a GROUP BY with at most one batch of 2,000 rows (no queryMore). */
export const MAX_AGGREGATE_ROWS = 2000;
/** Ids per IN list, so a statement stays well within the URL bound. */
const MAX_IDS_PER_STATEMENT = 300;

const GROUP_FIELDS: Readonly<Record<Exclude<OpportunityGrouping, 'NONE'>, string>> = {
  OWNER: 'Owner.Email',
  MONTH: 'CALENDAR_YEAR(CloseDate) closeYear, CALENDAR_MONTH(CloseDate) closeMonth',
  REGION: 'Account.BillingState, Account.BillingCountry',
  CAMPAIGN: 'CampaignId',
};
const GROUP_BY: Readonly<Record<Exclude<OpportunityGrouping, 'NONE'>, string>> = {
  OWNER: 'Owner.Email',
  MONTH: 'CALENDAR_YEAR(CloseDate), CALENDAR_MONTH(CloseDate)',
  REGION: 'Account.BillingState, Account.BillingCountry',
  CAMPAIGN: 'CampaignId',
};

/**
 * Campaign ids in groups whose account counts add up to at most `maxRows` (a campaign larger than
 * that alone) and of at most `maxIds` ids, in id order so the same campaigns make the same
 * statements (and cache keys); campaigns without accounts are left out.
 */
export function packCampaigns(
  counts: readonly CampaignCustomerCount[],
  maxRows: number,
  maxIds: number,
): string[][] {
  const packs: string[][] = [];
  let pack: string[] = [];
  let rows = 0;
  for (const { campaignId, accounts } of [...counts].sort((a, b) => (a.campaignId < b.campaignId ? -1 : 1))) {
    if (accounts === 0) continue;
    if (pack.length > 0 && (rows + accounts > maxRows || pack.length >= maxIds)) {
      packs.push(pack);
      pack = [];
      rows = 0;
    }
    pack.push(campaignId);
    rows += accounts;
  }
  if (pack.length > 0) packs.push(pack);
  return packs;
}

/** The grouped field a grouping's statements are paged by, and its column in the answer. */
const PAGE_BY: Readonly<Record<'OWNER' | 'REGION' | 'CAMPAIGN', { path: string; column: string }>> = {
  OWNER: { path: 'Owner.Email', column: 'Email' },
  REGION: { path: 'Account.BillingState', column: 'BillingState' },
  CAMPAIGN: { path: 'CampaignId', column: 'CampaignId' },
};

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
const number = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
/** `field IN (…)` of text values: soql.ts's condition, so the field is one of the allowed. */
function textIn(field: FilterField, values: readonly string[]): SoqlCondition {
  return inList(
    field,
    values.map((value) => stringLiteral(value)),
  );
}

export class CrmAggregates {
  constructor(
    private readonly client: CrmClient,
    private readonly options: {
      /** The currency of a record without CurrencyIsoCode (an org without multiple currencies). */
      defaultCurrencyCode: string;
      /** The shared cache under the CRM's scope; absent: every statement asks the CRM. */
      cache?: CacheScope;
      /** Rows per page of a paged statement: Salesforce's bound unless a test asks for less. */
      maxRows?: number;
    },
  ) {
    this.maxRows = options.maxRows ?? MAX_AGGREGATE_ROWS;
  }

  private readonly maxRows: number;

  private currency(value: unknown): string {
    return text(value) ?? this.options.defaultCurrencyCode;
  }

  private groupOf(grouping: OpportunityGrouping, row: Record<string, unknown>): string | null {
    switch (grouping) {
      case 'OWNER':
        return text(row.Email)?.toLowerCase() ?? null;
      case 'MONTH': {
        const year = number(row.closeYear);
        const month = number(row.closeMonth);
        return year > 0 && month > 0 ? `${year}-${String(month).padStart(2, '0')}` : null;
      }
      case 'REGION':
        return text(row.BillingState) ?? text(row.BillingCountry);
      case 'CAMPAIGN':
        return text(row.CampaignId);
      case 'NONE':
        return null;
    }
  }

  /**
   * Open (with their probability, to weight) or won opportunities, summed per group and
   * currency; restricted to a close-date range, to owners (by e-mail) or to campaigns.
   */
  opportunityTotals(
    spec: {
      state: 'OPEN' | 'WON';
      groupBy: OpportunityGrouping;
      close?: { from: string; to: string };
      ownerEmails?: readonly string[];
      campaignIds?: readonly string[];
    },
    freshness: Freshness,
  ): AggregateStatement<OpportunityTotal> {
    const open = spec.state === 'OPEN';
    const perGroup = ['CurrencyIsoCode', ...(open ? ['Probability'] : [])];
    const groupedBy = [...(spec.groupBy === 'NONE' ? [] : [GROUP_BY[spec.groupBy]]), ...perGroup];
    const selected = [
      ...(spec.groupBy === 'NONE' ? [] : [GROUP_FIELDS[spec.groupBy]]),
      ...perGroup,
      'SUM(Amount) amount',
      'COUNT(Id) records',
    ];
    const where = [open ? 'IsClosed = false' : 'IsWon = true'];
    if (spec.close)
      where.push(
        `CloseDate >= ${dateLiteral(spec.close.from)}`,
        `CloseDate <= ${dateLiteral(spec.close.to)}`,
      );
    if (spec.ownerEmails) where.push(textIn('Owner.Email', spec.ownerEmails));
    if (spec.campaignIds) where.push(textIn('CampaignId', spec.campaignIds));
    return {
      ...grouped(
        {
          select: selected.join(', '),
          from: 'Opportunity',
          where,
          groupBy: groupedBy.join(', '),
          ...(spec.groupBy === 'NONE' || spec.groupBy === 'MONTH' ? {} : { pageBy: PAGE_BY[spec.groupBy] }),
        },
        this.maxRows,
      ),
      freshness,
      map: (row) => ({
        group: this.groupOf(spec.groupBy, row),
        currencyCode: this.currency(row.CurrencyIsoCode),
        probability: open ? number(row.Probability) : null,
        amount: formatAmount(number(row.amount), 'CRM'),
        opportunities: number(row.records),
      }),
    };
  }

  /**
   * The lines of the quotes of open (with probability) or won opportunities closing in the
   * range, summed per product and currency; quotes refused by the customer or the approver are
   * left out.
   */
  productTotals(
    spec: { state: 'OPEN' | 'WON'; close: { from: string; to: string } },
    freshness: Freshness,
  ): AggregateStatement<ProductTotal> {
    const open = spec.state === 'OPEN';
    const groupedBy = [
      'Product2.ProductCode',
      'Quote.CurrencyIsoCode',
      ...(open ? ['Quote.Opportunity.Probability'] : []),
    ];
    const selected = [...groupedBy, 'SUM(TotalPrice) amount', 'COUNT_DISTINCT(Quote.OpportunityId) records'];
    const where = [
      open ? 'Quote.Opportunity.IsClosed = false' : 'Quote.Opportunity.IsWon = true',
      `Quote.Opportunity.CloseDate >= ${dateLiteral(spec.close.from)}`,
      `Quote.Opportunity.CloseDate <= ${dateLiteral(spec.close.to)}`,
      `Quote.Status NOT IN (${stringLiteral('Rejected')}, ${stringLiteral('Denied')})`,
    ];
    return {
      ...grouped(
        {
          select: selected.join(', '),
          from: 'QuoteLineItem',
          where,
          groupBy: groupedBy.join(', '),
          pageBy: { path: 'Product2.ProductCode', column: 'ProductCode' },
        },
        this.maxRows,
      ),
      freshness,
      map: (row) => ({
        sku: text(row.ProductCode),
        currencyCode: this.currency(row.CurrencyIsoCode),
        probability: open ? number(row.Probability) : null,
        amount: formatAmount(number(row.amount), 'CRM'),
        opportunities: number(row.records),
      }),
    };
  }

  /** Open support cases per owner (by e-mail). */
  openCaseCounts(ownerEmails: readonly string[], freshness: Freshness): AggregateStatement<OwnerCount> {
    return {
      soql: `SELECT Owner.Email, COUNT(Id) records FROM Case WHERE IsClosed = false AND ${textIn('Owner.Email', ownerEmails)} GROUP BY Owner.Email`,
      freshness,
      map: (row) => ({ email: text(row.Email)?.toLowerCase() ?? '', count: number(row.records) }),
    };
  }

  /** Members of each campaign, those who responded apart. */
  campaignMemberCounts(
    campaignIds: readonly string[],
    freshness: Freshness,
  ): AggregateStatement<CampaignMemberCount> {
    return {
      soql: `SELECT CampaignId, HasResponded, COUNT(Id) records FROM CampaignMember WHERE ${textIn('CampaignId', campaignIds)} GROUP BY CampaignId, HasResponded`,
      freshness,
      map: (row) => ({
        campaignId: String(row.CampaignId ?? ''),
        responded: row.HasResponded === true,
        members: number(row.records),
      }),
    };
  }

  /** Distinct accounts among each campaign's members (all campaigns when none are named): one row per campaign. */
  campaignCustomerCounts(
    campaignIds: readonly string[] | undefined,
    freshness: Freshness,
  ): AggregateStatement<CampaignCustomerCount> {
    return {
      ...grouped(
        {
          select: 'CampaignId, COUNT_DISTINCT(Contact.AccountId) accounts',
          from: 'CampaignMember',
          where: campaignIds ? [textIn('CampaignId', campaignIds)] : [],
          groupBy: 'CampaignId',
          pageBy: PAGE_BY.CAMPAIGN,
        },
        this.maxRows,
      ),
      freshness,
      map: (row) => ({ campaignId: String(row.CampaignId ?? ''), accounts: number(row.accounts) }),
    };
  }

  /**
   * The ERP customer numbers of each campaign's member accounts, in as few statements as keep
   * every answer within the 2,000 rows Salesforce returns for a GROUP BY (campaigns packed by
   * their account counts) and every statement's URL short.
   */
  campaignMemberCustomers(
    counts: readonly CampaignCustomerCount[],
    freshness: Freshness,
  ): AggregateStatement<CampaignMemberAccount>[] {
    const packs = packCampaigns(counts, MAX_AGGREGATE_ROWS, MAX_IDS_PER_STATEMENT);
    return packs.map((ids) => ({
      soql: `SELECT CampaignId, Contact.Account.AccountNumber FROM CampaignMember WHERE ${textIn('CampaignId', ids)} AND Contact.Account.AccountNumber != null GROUP BY CampaignId, Contact.Account.AccountNumber`,
      freshness,
      map: (row) => ({
        campaignId: String(row.CampaignId ?? ''),
        erpCustomerNumber: text(row.AccountNumber),
      }),
    }));
  }

  /**
   * The statements' answers, in order: those the cache holds from it, the others in composites
   * of at most five queries sent in parallel (a lone statement as a plain query).
   */
  async runAll<const Q extends readonly AggregateStatement<unknown>[]>(
    statements: Q,
    label: string,
    requestId?: string,
  ): Promise<ReadsOf<Q>> {
    if (statements.length === 0) return [] as unknown as ReadsOf<Q>;
    const load = readThroughCache<AggregateStatement<unknown>, Read<Record<string, unknown>>>(
      this.options.cache,
      {
        type: 'crm.aggregate',
        ttlMs: (ttl) => (statement) => ttl[statement.freshness],
        keyOf: (statement) => createHash('sha256').update(statement.soql).digest('base64url'),
        load: (missing) => this.fetch(missing, label, requestId),
      },
    );
    const answers = await load(statements);
    return answers.map((answer, index) => {
      if (answer instanceof Error) throw answer;
      const statement = statements[index]!;
      return { figures: answer.figures.map((row) => statement.map(row)), readAt: answer.readAt };
    }) as unknown as ReadsOf<Q>;
  }

  /**
   * The statements' rows: all sent together, then the next page of each paged statement whose
   * page came back full, all of those together, until none does. A page drops the groups of its
   * last key (they may go on) and the next starts at that key, so each group is read whole once.
   */
  private async fetch(
    statements: readonly AggregateStatement<unknown>[],
    label: string,
    requestId?: string,
  ): Promise<(Read<Record<string, unknown>> | Error)[]> {
    const readAt = new Date().toISOString();
    const results: (Read<Record<string, unknown>> | Error)[] = statements.map(() => ({
      figures: [],
      readAt,
    }));
    let pending = statements.map((statement, index) => ({ index, soql: statement.soql }));
    while (pending.length > 0) {
      const answers = await this.send(
        pending.map((p) => p.soql),
        label,
        requestId,
      );
      const next: typeof pending = [];
      pending.forEach(({ index }, position) => {
        const answer = answers[position]!;
        const result = results[index]!;
        if (result instanceof Error) return;
        if (answer instanceof Error) {
          results[index] = answer;
          return;
        }
        const page = statements[index]!.page;
        if (!page || answer.length < this.maxRows) {
          result.figures.push(...answer);
          return;
        }
        const keyOf = (row: Record<string, unknown> | undefined) => text(row?.[page.column]);
        const last = keyOf(answer.at(-1));
        const whole = answer.filter((row) => keyOf(row) !== last);
        if (last === null || whole.length === 0) {
          results[index] = new LegacyError(
            'LEGACY_REJECTED',
            'CRM',
            `The CRM refused the request (${label}).`,
            {
              label,
              why: `one group of ${page.column} has more rows than an aggregate answer holds`,
            },
          );
          return;
        }
        result.figures.push(...whole);
        next.push({ index, soql: page.render(last, this.maxRows) });
      });
      pending = next;
    }
    return results;
  }

  /** Statements' answers: a lone one as a plain query, more in composites of five, in parallel. */
  private async send(
    soqls: readonly string[],
    label: string,
    requestId?: string,
  ): Promise<(Record<string, unknown>[] | LegacyError)[]> {
    if (soqls.length === 1) {
      try {
        return [(await this.client.query<Record<string, unknown>>(soqls[0]!, label, { requestId })).records];
      } catch (error) {
        if (error instanceof LegacyError) return [error];
        throw error;
      }
    }
    const groups: string[][] = [];
    for (let i = 0; i < soqls.length; i += MAX_QUERIES_PER_COMPOSITE) {
      groups.push(soqls.slice(i, i + MAX_QUERIES_PER_COMPOSITE));
    }
    return (await Promise.all(groups.map((group) => this.composite(group, label, requestId)))).flat();
  }

  /** One composite request of queries; each part answers alone (allOrNone false: nothing is written). */
  private async composite(
    statements: readonly string[],
    label: string,
    requestId?: string,
  ): Promise<(Record<string, unknown>[] | LegacyError)[]> {
    const response = await this.client.http.send<{
      compositeResponse?: { referenceId?: string; httpStatusCode?: number; body?: unknown }[];
    }>({
      method: 'POST',
      path: 'composite',
      body: {
        allOrNone: false,
        compositeRequest: statements.map((statement, index) => ({
          method: 'GET',
          url: `${this.client.servicePath}/query?q=${encodeSoqlParameter(statement)}`,
          referenceId: `q${index}`,
        })),
      },
      // Only queries: safe to send again.
      idempotent: true,
      label: `${label} (composite)`,
      requestId,
    });
    const parts = response.body?.compositeResponse;
    if (!Array.isArray(parts)) throw badLegacyResponse('CRM', label, 'no compositeResponse');
    const byId = new Map(parts.map((part) => [part.referenceId, part]));
    return statements.map((_, index) => {
      const part = byId.get(`q${index}`);
      if (!part || typeof part.httpStatusCode !== 'number')
        return badLegacyResponse('CRM', label, `no answer for q${index}`);
      if (part.httpStatusCode >= 400) {
        const first = Array.isArray(part.body)
          ? (part.body[0] as { errorCode?: unknown; message?: unknown } | undefined)
          : undefined;
        return new LegacyError(
          part.httpStatusCode >= 500 ? 'LEGACY_UNAVAILABLE' : 'LEGACY_REJECTED',
          'CRM',
          `The CRM refused the request (${label}).`,
          { label, status: part.httpStatusCode, legacyCode: first?.errorCode, legacyMessage: first?.message },
        );
      }
      const body = part.body as SfQueryResult<Record<string, unknown>> | undefined;
      if (!body || !Array.isArray(body.records))
        return badLegacyResponse('CRM', label, `q${index} has no records`);
      return body.records;
    });
  }
}
