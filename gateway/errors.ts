import type { GraphQLFormattedError } from 'graphql';
import { ERROR_CODES, type ErrorCode, isCatalogued } from '../lib/errors.js';

/**
 * What a client may see of an error. Only codes from lib/errors.ts leave the gateway; the
 * message is kept where the code vouches for it (subgraphs write catalogued errors for clients),
 * with anything that looks like a URL cut out; unknown errors become INTERNAL_SERVER_ERROR and
 * are logged in full (see plugins/errorLogging.ts) under the request id the answer carries.
 */

/** Extension keys that may reach a client; anything else (exception, response, legacy text) is dropped. */
const SAFE_EXTENSIONS = [
  'system',
  'subgraph',
  'missingFields',
  'limit',
  'maximum',
  'actual',
  'field',
  // The CRM-down customer list (subgraphs/crm): which system answered instead.
  'fallback',
  // Details of the workflows' refusals (subgraphs/workflows): values the graph computed, never
  // legacy text. `current` is a CONFLICT's current record, so the client can merge and retry.
  'reason',
  'current',
  'operation',
  'quoteId',
  'customerId',
  'customerNumber',
  'accountId',
  'orderNumber',
  'status',
  'convertibleStatuses',
  'lineNumber',
  'lineNumbers',
  'quantity',
  'skus',
  'blocked',
  'creditLimit',
  'balance',
  'orderTotal',
  'exceededBy',
  'currencyCode',
  // Discount approvals: the rule that applies and where the quote's approval stands.
  'level',
  'threshold',
  'discountPercent',
  'approvedPercent',
  'approvedLevel',
  'requiredScopes',
  // Order entry and change.
  'externalDocumentNumber',
  'fullyShipped',
  'sequence',
  'shippedQuantity',
  // Support cases: why a unit's warranty does not cover a claim, which case is closed.
  'serialNumber',
  'assetId',
  'entitlementId',
  'startDate',
  'endDate',
  'remainingCases',
  'asOf',
  'caseNumber',
  // Onboarding: the account fields the ERP cannot take, each with its reason.
  'problems',
] as const;

/** Apollo Server's own protocol errors, all about the request the client sent. */
const APOLLO_REQUEST_CODES = new Set([
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)]+/gi;
const SUGGESTION_PATTERN = /\s*Did you mean [^?]*\?/g;
// graphql-js spells it "more that" in some versions.
const TOKEN_LIMIT_PATTERN = /Document contains more th(?:an|at) (\d+) tokens/;

export interface MaskOptions {
  production: boolean;
}

export function maskError(
  formatted: GraphQLFormattedError,
  original: unknown,
  options: MaskOptions,
): GraphQLFormattedError {
  const { code, message, details } = classify(formatted, original, options);
  const extensions: Record<string, unknown> = { code, ...details };
  if (code !== 'INTERNAL_SERVER_ERROR') {
    for (const key of SAFE_EXTENSIONS) {
      const value = limitOriginal(original)?.extensions[key] ?? formatted.extensions?.[key];
      if (value !== undefined) extensions[key] = value;
    }
    // The gateway names the subgraph an error came from as `serviceName`.
    const serviceName = formatted.extensions?.serviceName;
    if (extensions.subgraph === undefined && typeof serviceName === 'string')
      extensions.subgraph = serviceName;
  }
  return {
    message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions,
  };
}

function classify(
  formatted: GraphQLFormattedError,
  original: unknown,
  options: MaskOptions,
): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
  const given = formatted.extensions?.code;
  const limit = limitOriginal(original);
  if (limit) return { code: 'OPERATION_LIMIT_EXCEEDED', message: limit.message };
  if (given === 'GRAPHQL_PARSE_FAILED' && TOKEN_LIMIT_PATTERN.test(formatted.message)) {
    const maximum = TOKEN_LIMIT_PATTERN.exec(formatted.message)?.[1];
    return {
      code: 'OPERATION_LIMIT_EXCEEDED',
      message: `The operation has more than ${maximum} tokens; shorten it.`,
      details: { limit: 'tokens', maximum: Number(maximum) },
    };
  }
  if (typeof given === 'string' && APOLLO_REQUEST_CODES.has(given)) {
    return { code: 'BAD_USER_INPUT', message: scrub(formatted.message, options) };
  }
  if (isCatalogued(given) && given !== 'INTERNAL_SERVER_ERROR') {
    return { code: given, message: scrub(formatted.message, options) };
  }
  return { code: 'INTERNAL_SERVER_ERROR', message: ERROR_CODES.INTERNAL_SERVER_ERROR };
}

function scrub(message: string, options: MaskOptions): string {
  const withoutUrls = message.replace(URL_PATTERN, '[address hidden]');
  return options.production ? withoutUrls.replace(SUGGESTION_PATTERN, '') : withoutUrls;
}

/**
 * The operation-limit error a validation rule reported, under Apollo's validation wrapper.
 * Duck-typed: Apollo Server (ESM) and @apollo/gateway (CommonJS) may each load their own copy
 * of graphql, so `instanceof GraphQLError` cannot be trusted across them.
 */
function limitOriginal(
  original: unknown,
): { message: string; extensions: Record<string, unknown> } | undefined {
  let error = original as {
    message?: unknown;
    extensions?: Record<string, unknown>;
    originalError?: unknown;
  };
  for (let depth = 0; depth < 3 && typeof error === 'object' && error !== null; depth++) {
    if (error.extensions?.code === 'OPERATION_LIMIT_EXCEEDED' && typeof error.message === 'string') {
      return { message: error.message, extensions: error.extensions };
    }
    error = error.originalError as typeof error;
  }
  return undefined;
}
