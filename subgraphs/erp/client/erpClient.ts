import { badLegacyResponse, LegacyError, legacyFailure } from '../../../lib/errors.js';
import type { AccessTokenSource } from '../../../lib/legacyCredentials.js';
import { type FailureDescription, LegacyHttp } from '../../../lib/legacyHttp.js';
import type { ResilienceConfig } from '../../../lib/legacyResilience.js';
import type { Logger } from '../../../lib/logger.js';
import { SELECT } from './fields.js';
import { chunkByEncodedLength, eqAny, type GuidField, queryString, type TextField } from './odata.js';
import type { Page } from './types.js';

/**
 * Business Central API v2.0 over HTTP: where the company's entity sets live, how a lookup of
 * many keys becomes a few `$filter=… or …` GETs, how many pages become one `$batch`, and how
 * BC's errors map into the catalogue. It deals in BC's records; reads.ts and writes.ts, on top
 * of it, are what the rest of the graph calls.
 */
export interface ErpClientConfig {
  /** Service root; the client appends `/api/v2.0/…`. */
  url: string;
  /** Bearer tokens for every call (credentials.ts: a fixed token or Entra client credentials). */
  credentials: AccessTokenSource;
  /** When unset, the company is found once via `GET /api/v2.0/companies`. */
  companyId?: string;
  /** Picks the company by name when the ERP holds several. */
  companyName?: string;
  timeoutMs: number;
  maxRetries: number;
  maxConnections: number;
  /** The ERP's breaker and queue (ERP_BREAKER_*, ERP_MAX_QUEUED); defaults when absent. */
  resilience?: ResilienceConfig | undefined;
}

/** Entity sets of the standard API the subgraph reads. */
export type StandardSet =
  | 'customers'
  | 'items'
  | 'salesOrders'
  | 'salesOrderLines'
  | 'salesInvoices'
  | 'salesInvoiceLines'
  | 'salesShipments'
  | 'salesShipmentLines'
  | 'customerPayments'
  | 'employees'
  | 'salesCreditMemos'
  | 'salesCreditMemoLines'
  | 'agedAccountsReceivables'
  | 'customerSales';
/** Entity sets of the customer's own API (publisher contoso, group customerGraph). */
export type CustomSet =
  | 'bomComponents'
  | 'warrantyLedgerEntries'
  | 'itemLedgerEntries'
  // Its aggregating API queries (reporting.ts).
  | 'salesDocumentTotals'
  | 'salesLineTotals'
  | 'openInvoiceTotals'
  | 'salesBacklogTotals';
export type EntitySet = StandardSet | CustomSet;

const CUSTOM_SETS: ReadonlySet<string> = new Set<CustomSet>([
  'bomComponents',
  'warrantyLedgerEntries',
  'itemLedgerEntries',
  'salesDocumentTotals',
  'salesLineTotals',
  'openInvoiceTotals',
  'salesBacklogTotals',
]);

/** Encoded `$filter` bound per GET, so a URL stays well under the ~8k request-line limits. */
export const MAX_FILTER_CHARS = 6000;
/** Business Central refuses a `$batch` of more than 100 requests. */
export const MAX_BATCH_REQUESTS = 100;
/** First backoff before sending failed `$batch` parts again; doubles, with full jitter. */
const PART_RETRY_BACKOFF_MS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface PageRequest {
  /** Same-origin path with query, e.g. from {@link ErpClient.collectionLink} or a nextLink. */
  link: string;
  /** Sent as `Prefer: odata.maxpagesize`; undefined reads the server's page size. */
  pageSize?: number;
}

/** A JSON `$batch` answer: one response per part, by the part's id. */
export interface BatchResponse {
  responses?: { id?: string; status?: number; body?: unknown }[];
}

interface CollectionBody {
  value?: unknown;
  '@odata.nextLink'?: unknown;
}

export function describeBcFailure(status: number, body: unknown): FailureDescription {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const legacyCode = typeof error?.code === 'string' ? error.code : undefined;
  const legacyMessage = typeof error?.message === 'string' ? error.message : undefined;
  let code: FailureDescription['code'];
  if (legacyCode === 'Request_EntityChanged') code = 'CONFLICT';
  else if (legacyCode === 'Application_TooManyRequests' || status === 429) code = 'LEGACY_THROTTLED';
  return { legacyCode, legacyMessage, ...(code ? { code } : {}) };
}

/** The catalogue's code for a failure BC answered (a whole request's or one `$batch` part's). */
export function codeOfBcFailure(status: number, described: FailureDescription): LegacyError['code'] {
  if (described.code) return described.code;
  if (status === 404) return 'NOT_FOUND';
  if (status === 409 || status === 412) return 'CONFLICT';
  if (status >= 500) return 'LEGACY_UNAVAILABLE';
  return 'LEGACY_REJECTED';
}

export class ErpClient {
  readonly http: LegacyHttp;
  private readonly apiPath: string;
  private readonly customApiPath: string;
  private companyId: Promise<string> | undefined;

  constructor(
    private readonly config: ErpClientConfig,
    private readonly logger: Logger,
  ) {
    const root = new URL(config.url);
    const servicePath = root.pathname.replace(/\/+$/, '');
    this.apiPath = `${servicePath}/api/v2.0`;
    this.customApiPath = `${servicePath}/api/contoso/customerGraph/v1.0`;
    this.http = new LegacyHttp({
      system: 'ERP',
      baseUrl: `${root.origin}${this.apiPath}`,
      headers: {},
      credentials: config.credentials,
      timeoutMs: config.timeoutMs,
      maxRetries: config.maxRetries,
      backoffMs: 100,
      maxRetryAfterMs: Math.max(config.timeoutMs, 5000),
      maxConnections: config.maxConnections,
      describeFailure: describeBcFailure,
      resilience: { ...config.resilience, logger },
    });
    if (config.companyId) this.companyId = Promise.resolve(config.companyId.toLowerCase());
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /** The company's id: configured, or read once from `companies` (retried on the next call if that fails). */
  resolveCompanyId(requestId?: string): Promise<string> {
    if (!this.companyId) {
      this.companyId = this.discoverCompany(requestId);
      this.companyId.catch(() => {
        this.companyId = undefined;
      });
    }
    return this.companyId;
  }

  private async discoverCompany(requestId?: string): Promise<string> {
    const response = await this.http.send<CollectionBody>({
      method: 'GET',
      path: `${this.apiPath}/companies?$select=id,name`,
      label: 'companies',
      requestId,
    });
    const companies = Array.isArray(response.body?.value)
      ? (response.body.value as { id?: unknown; name?: unknown }[])
      : [];
    const wanted = this.config.companyName;
    const matching = wanted === undefined ? companies : companies.filter((c) => c.name === wanted);
    if (matching.length !== 1 || typeof matching[0]?.id !== 'string') {
      this.logger.error(
        { companies: companies.map((c) => c.name), wanted },
        'cannot pick the ERP company: set ERP_COMPANY_ID or ERP_COMPANY_NAME',
      );
      throw new LegacyError('LEGACY_BAD_RESPONSE', 'ERP', 'The ERP company could not be determined.', {
        label: 'companies',
        found: companies.length,
      });
    }
    return matching[0].id.toLowerCase();
  }

  /** The same-origin path (with query) that reads `set` with these options. */
  async collectionLink(
    set: EntitySet,
    options: { filter?: string; select?: readonly string[]; expand?: string; orderby?: string },
    requestId?: string,
  ): Promise<string> {
    const company = await this.resolveCompanyId(requestId);
    const api = CUSTOM_SETS.has(set) ? this.customApiPath : this.apiPath;
    const select = options.select ?? SELECT[set];
    return `${api}/companies(${company})/${set}${queryString({ ...options, select })}`;
  }

  /**
   * A next-page link as BC sends it (absolute URL) made into a same-origin path; a link to
   * another host is refused (LEGACY_BAD_RESPONSE), so a legacy answer cannot send us elsewhere.
   */
  private toPath(nextLink: unknown, label: string): string | null {
    if (nextLink === undefined || nextLink === null) return null;
    if (typeof nextLink !== 'string') throw badLegacyResponse('ERP', label, 'nextLink is not a string');
    const url = new URL(this.http.resolve(nextLink));
    return url.pathname + url.search;
  }

  private pageOf<T>(body: unknown, label: string): Page<T> {
    const collection = body as CollectionBody | undefined;
    if (!collection || !Array.isArray(collection.value))
      throw badLegacyResponse('ERP', label, 'no value array');
    return { rows: collection.value as T[], nextLink: this.toPath(collection['@odata.nextLink'], label) };
  }

  async getPage<T>(request: PageRequest, label: string, requestId?: string): Promise<Page<T>> {
    const response = await this.http.send<unknown>({
      method: 'GET',
      path: request.link,
      headers:
        request.pageSize === undefined ? undefined : { prefer: `odata.maxpagesize=${request.pageSize}` },
      label,
      requestId,
    });
    return this.pageOf<T>(response.body, label);
  }

  /** Every row of a collection, following `@odata.nextLink` to the end. */
  async getAll<T>(link: string, label: string, requestId?: string): Promise<T[]> {
    const rows: T[] = [];
    let next: string | null = link;
    while (next !== null) {
      const page: Page<T> = await this.getPage<T>({ link: next }, label, requestId);
      rows.push(...page.rows);
      next = page.nextLink;
    }
    return rows;
  }

  /**
   * Rows of `set` whose `field` equals one of `values`: `field eq A or field eq B …` in as few
   * GETs as the URL bound allows, sent together (getPages), each followed to its last page.
   */
  async findBy<T>(
    set: EntitySet,
    field: GuidField | TextField,
    kind: 'guid' | 'text',
    values: readonly string[],
    options: {
      expand?: string;
      select?: readonly string[];
      orderby?: string;
      label: string;
      requestId?: string;
    },
  ): Promise<T[]> {
    const unique = [...new Set(values)];
    if (unique.length === 0) return [];
    const chunks = chunkByEncodedLength(field, kind, unique, MAX_FILTER_CHARS);
    const links = await Promise.all(
      chunks.map((chunk) =>
        this.collectionLink(
          set,
          {
            filter: eqAny(field, kind, chunk),
            expand: options.expand,
            select: options.select,
            orderby: options.orderby,
          },
          options.requestId,
        ),
      ),
    );
    // The first pages of all the GETs together (one chunk is a plain GET, more one `$batch`, so
    // the round trips do not grow with the keys), then each one followed to its last page.
    const firstPages = await this.getPages<T>(
      links.map((link) => ({ link })),
      options.label,
      options.requestId,
    );
    const results = await Promise.all(
      firstPages.map(async (page) => {
        if (page instanceof LegacyError) throw page;
        if (page.nextLink === null) return page.rows;
        return [...page.rows, ...(await this.getAll<T>(page.nextLink, options.label, options.requestId))];
      }),
    );
    return results.flat();
  }

  /**
   * One page for each request, in as few round trips as BC allows: JSON `$batch` envelopes of
   * at most 100 parts, sent in parallel, each part carrying its own `Prefer: odata.maxpagesize`.
   * A part that fails fails only its own entry; parts BC answered 429 or 5xx are sent again
   * (up to the configured retries, with backoff), since reads are safe to repeat.
   * `mixed`: parts of different entity sets share envelopes (a report's few aggregating queries
   * in one round trip) instead of one envelope per set.
   */
  async getPages<T>(
    requests: readonly PageRequest[],
    label: string,
    requestId?: string,
    options: { mixed?: boolean } = {},
  ): Promise<(Page<T> | LegacyError)[]> {
    const results: (Page<T> | LegacyError)[] = new Array(requests.length);
    let pending = requests.map((_, index) => index);
    for (let attempt = 0; ; attempt += 1) {
      await this.sendGrouped(requests, pending, results, label, requestId, options.mixed === true);
      pending = pending.filter((index) => {
        const result = results[index];
        return result instanceof LegacyError && result.detail.retryablePart === true;
      });
      if (pending.length === 0 || attempt >= this.config.maxRetries) return results;
      await sleep(Math.random() * PART_RETRY_BACKOFF_MS * 2 ** attempt);
    }
  }

  /**
   * Sends `indexes` of `requests`, one envelope per entity set (orders apart from invoices), so
   * the number of round trips for a page of up to 100 parents does not depend on how many
   * parents there are.
   */
  private async sendGrouped<T>(
    requests: readonly PageRequest[],
    indexes: readonly number[],
    results: (Page<T> | LegacyError)[],
    label: string,
    requestId?: string,
    mixed = false,
  ): Promise<void> {
    const bySet = new Map<string, number[]>();
    for (const index of indexes) {
      const set = mixed ? '' : new URL(requests[index]!.link, 'http://link.invalid').pathname;
      const group = bySet.get(set);
      if (group) group.push(index);
      else bySet.set(set, [index]);
    }
    const envelopes: number[][] = [];
    for (const group of bySet.values()) {
      for (let i = 0; i < group.length; i += MAX_BATCH_REQUESTS) {
        envelopes.push(group.slice(i, i + MAX_BATCH_REQUESTS));
      }
    }
    await Promise.all(
      envelopes.map(async (envelope) => {
        const answered = await this.sendParts<T>(
          envelope.map((index) => requests[index]!),
          label,
          requestId,
        );
        envelope.forEach((index, i) => {
          results[index] = answered[i]!;
        });
      }),
    );
  }

  /** A lone request is a plain GET (no envelope needed); more are one `$batch`. */
  private async sendParts<T>(
    requests: readonly PageRequest[],
    label: string,
    requestId?: string,
  ): Promise<(Page<T> | LegacyError)[]> {
    if (requests.length === 1) {
      try {
        return [await this.getPage<T>(requests[0]!, label, requestId)];
      } catch (error) {
        if (error instanceof LegacyError) return [error];
        throw error;
      }
    }
    return this.sendBatch<T>(requests, label, requestId);
  }

  private async sendBatch<T>(
    requests: readonly PageRequest[],
    label: string,
    requestId?: string,
  ): Promise<(Page<T> | LegacyError)[]> {
    const response = await this.http.send<BatchResponse>({
      method: 'POST',
      path: `${this.apiPath}/$batch`,
      body: {
        requests: requests.map((request, index) => ({
          id: String(index + 1),
          method: 'GET',
          // Relative to the $batch endpoint, the form every OData service takes.
          url: request.link.startsWith(`${this.apiPath}/`)
            ? request.link.slice(this.apiPath.length + 1)
            : request.link,
          headers: request.pageSize === undefined ? {} : { Prefer: `odata.maxpagesize=${request.pageSize}` },
        })),
      },
      // A batch of GETs only reads: safe to retry.
      idempotent: true,
      label: `${label} ($batch)`,
      requestId,
    });
    const parts = response.body?.responses;
    if (!Array.isArray(parts)) throw badLegacyResponse('ERP', label, 'no responses array in $batch answer');
    const byId = new Map(parts.map((part) => [String(part.id), part]));
    return requests.map((_, index) => {
      const part = byId.get(String(index + 1));
      if (!part || typeof part.status !== 'number')
        return badLegacyResponse('ERP', label, `no answer for part ${index + 1}`);
      if (part.status >= 400) {
        const described = describeBcFailure(part.status, part.body);
        const code = codeOfBcFailure(part.status, described);
        this.logger.warn(
          { label, status: part.status, legacyCode: described.legacyCode },
          'ERP $batch part failed',
        );
        return legacyFailure('ERP', code, label, {
          label,
          status: part.status,
          legacyCode: described.legacyCode,
          legacyMessage: described.legacyMessage,
          retryablePart: part.status === 429 || part.status >= 500,
        });
      }
      try {
        return this.pageOf<T>(part.body, label);
      } catch (error) {
        if (error instanceof LegacyError) return error;
        throw error;
      }
    });
  }
}
