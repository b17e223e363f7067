import { badLegacyResponse, LegacyError } from '../../../lib/errors.js';
import type { AccessTokenSource } from '../../../lib/legacyCredentials.js';
import { type FailureDescription, LegacyHttp } from '../../../lib/legacyHttp.js';
import type { LegacyResilienceOptions } from '../../../lib/legacyResilience.js';
import {
  and,
  buildSelect,
  chunkInList,
  encodeSoqlParameter,
  type FilterField,
  inList,
  type OrderKey,
  type SObjectName,
  type SoqlCondition,
  type SoqlLiteral,
  type SubquerySpec,
  stringLiteral,
} from './soql.js';
import type { SfQueryResult } from './types.js';

/** Salesforce REST API versions are written v62.0. */
export const CRM_API_VERSION_PATTERN = /^v\d{2,3}\.\d$/;

export interface CrmClientOptions {
  crmUrl: string;
  /** Bearer tokens for every call (credentials.ts: fixed, client credentials or JWT bearer). */
  credentials: AccessTokenSource;
  apiVersion: string;
  timeoutMs: number;
  maxRetries: number;
  maxConnections: number;
  /** The CRM's breaker and queue (CRM_BREAKER_*, CRM_MAX_QUEUED) and where their changes are logged. */
  resilience?: LegacyResilienceOptions;
}

/** Who is asking: passed on to the CRM as X-Request-Id, and a label for logs and errors. */
export interface CallContext {
  requestId?: string | undefined;
  /** This call's token source instead of the client's (per-user mode: the caller's own Salesforce user). */
  credentials?: AccessTokenSource;
}

/** Salesforce refuses a GET whose URL exceeds 16,384 characters (414). */
const MAX_URL_LENGTH = 16_384;
/** Records per query batch we ask for (Salesforce allows 200..2,000). */
const QUERY_BATCH_SIZE = 2000;
/** nextRecordsUrl as Salesforce hands it out; anything else (e.g. from a forged cursor) is refused. */
const NEXT_RECORDS_RE = /^\/services\/data\/v\d{2,3}\.\d\/query\/[A-Za-z0-9-]+$/;

/** Reads Salesforce's error body `[{"message","errorCode","fields"}]` for logs and classification. */
export function describeSalesforceFailure(status: number, body: unknown): FailureDescription {
  const first = Array.isArray(body)
    ? (body[0] as { message?: unknown; errorCode?: unknown } | undefined)
    : undefined;
  const legacyCode = typeof first?.errorCode === 'string' ? first.errorCode : undefined;
  const legacyMessage = typeof first?.message === 'string' ? first.message : undefined;
  let code: LegacyError['code'] | undefined;
  if (legacyCode === 'REQUEST_LIMIT_EXCEEDED') code = 'LEGACY_THROTTLED';
  else if (status === 401 || legacyCode === 'INVALID_SESSION_ID') code = 'LEGACY_AUTH_FAILED';
  else if (status === 300) code = 'CONFLICT';
  return { legacyCode, legacyMessage, code, credentialsRefused: legacyCode === 'INVALID_SESSION_ID' };
}

/**
 * Salesforce's REST API over HTTP: queries, following nextRecordsUrl, IN lists chunked under the
 * URL bound (chunks run in parallel), and Salesforce's errors mapped into the catalogue (via
 * LegacyHttp). It deals in Salesforce's records; reads.ts and writes.ts, on top of it, are what
 * the rest of the graph calls. How many HTTP calls a read makes depends only on the chunking of
 * its inputs, never on a per-item loop.
 */
export class CrmClient {
  readonly http: LegacyHttp;
  /** The API's path (e.g. /services/data/v62.0), as composite subrequest URLs need it. */
  readonly servicePath: string;
  private readonly maxSoqlLength: number;

  constructor(options: CrmClientOptions) {
    const baseUrl = `${options.crmUrl}/services/data/${options.apiVersion}`;
    this.http = new LegacyHttp({
      system: 'CRM',
      baseUrl,
      headers: {},
      credentials: options.credentials,
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      backoffMs: 100,
      maxRetryAfterMs: 5_000,
      maxConnections: options.maxConnections,
      describeFailure: describeSalesforceFailure,
      ...(options.resilience ? { resilience: options.resilience } : {}),
    });
    this.servicePath = new URL(this.http.resolve('x')).pathname.replace(/\/x$/, '');
    // What is left of the URL bound once the base URL and "/query?q=" are spent.
    this.maxSoqlLength = MAX_URL_LENGTH - baseUrl.length - 16;
  }

  get callCount(): number {
    return this.http.callCount;
  }

  /** The longest URL-encoded SOQL a GET may carry here: chunking stays within it. */
  get soqlLengthBound(): number {
    return this.maxSoqlLength;
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /** One query call: the first batch of records and, when more follow, the nextRecordsUrl. */
  async query<T>(soql: string, label: string, ctx: CallContext): Promise<SfQueryResult<T>> {
    const response = await this.http.send<SfQueryResult<T>>({
      method: 'GET',
      path: `query?q=${encodeSoqlParameter(soql)}`,
      headers: { 'sforce-query-options': `batchSize=${QUERY_BATCH_SIZE}` },
      requestId: ctx.requestId,
      ...(ctx.credentials ? { credentials: ctx.credentials } : {}),
      label,
    });
    return checkQueryResult(response.body, label);
  }

  /** The batch after `nextRecordsUrl` (only a link Salesforce handed out is followed). */
  async queryMore<T>(nextRecordsUrl: string, label: string, ctx: CallContext): Promise<SfQueryResult<T>> {
    if (!NEXT_RECORDS_RE.test(nextRecordsUrl)) {
      throw new LegacyError(
        'LEGACY_BAD_RESPONSE',
        'CRM',
        `The CRM sent an unexpected next-records link (${label}).`,
        {
          link: nextRecordsUrl,
        },
      );
    }
    const response = await this.http.send<SfQueryResult<T>>({
      method: 'GET',
      path: nextRecordsUrl,
      headers: { 'sforce-query-options': `batchSize=${QUERY_BATCH_SIZE}` },
      requestId: ctx.requestId,
      ...(ctx.credentials ? { credentials: ctx.credentials } : {}),
      label,
    });
    return checkQueryResult(response.body, label);
  }

  /** Every record of a statement, following nextRecordsUrl. Callers bound the result (IN lists, LIMIT). */
  async queryAll<T>(soql: string, label: string, ctx: CallContext): Promise<T[]> {
    let page = await this.query<T>(soql, label, ctx);
    const records = [...page.records];
    while (!page.done && page.nextRecordsUrl) {
      page = await this.queryMore<T>(page.nextRecordsUrl, label, ctx);
      records.push(...page.records);
    }
    return records;
  }

  /** `render(list)` for IN lists of `values`, chunked under the URL bound, chunks in parallel. */
  async queryIn<T, V>(
    values: readonly V[],
    literal: (value: V) => SoqlLiteral,
    render: (list: readonly SoqlLiteral[]) => string,
    label: string,
    ctx: CallContext,
  ): Promise<T[]> {
    const unique = [...new Set(values)];
    const statements = chunkInList(unique, literal, render, this.maxSoqlLength);
    const results = await Promise.all(statements.map((soql) => this.queryAll<T>(soql, label, ctx)));
    return results.flat();
  }

  /** The records of `object` whose `field` is one of `values`, chunked as queryIn does. */
  recordsWhereIn<T>(
    object: SObjectName,
    fields: readonly string[],
    field: FilterField,
    values: readonly string[],
    label: string,
    ctx: CallContext,
    options: {
      orderBy?: readonly OrderKey[];
      subqueries?: readonly SubquerySpec[];
      /** A further condition every record must meet (e.g. the caller's ownership). */
      also?: SoqlCondition;
    } = {},
  ): Promise<T[]> {
    const { also, ...select } = options;
    return this.queryIn<T, string>(
      values,
      stringLiteral,
      (list) =>
        buildSelect({
          object,
          fields,
          where: also ? and(inList(field, list), also) : inList(field, list),
          ...select,
        }),
      label,
      ctx,
    );
  }
}

function checkQueryResult<T>(body: SfQueryResult<T> | undefined, label: string): SfQueryResult<T> {
  if (!body || typeof body !== 'object' || !Array.isArray(body.records)) {
    throw badLegacyResponse('CRM', label);
  }
  return body;
}
