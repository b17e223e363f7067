import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError, Kind } from 'graphql';
import { ERROR_CODES, type ErrorCode, isCatalogued } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';

/**
 * What a client may see of an error. Only codes from lib/errors.ts leave the gateway; the
 * message is kept where the code vouches for it (subgraphs write catalogued errors for clients),
 * with anything that looks like a URL cut out; unknown errors become INTERNAL_SERVER_ERROR and
 * are logged in full (see errorLoggingPlugin) under the request id the answer carries.
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

export interface GatewayContext {
  requestId: string;
  logger: Logger;
}

/**
 * Logs every error of a request in full (message, stack, original error, subgraph) on the
 * request's child logger, and puts the request id on each error the client gets, so a support
 * ticket quoting it finds the log lines.
 */
export function errorLoggingPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            const code = error.extensions.code;
            const clientFault =
              code === 'GRAPHQL_PARSE_FAILED' ||
              code === 'GRAPHQL_VALIDATION_FAILED' ||
              code === 'BAD_USER_INPUT' ||
              code === 'BAD_REQUEST';
            const entry = {
              err: error.originalError ?? error,
              code,
              path: error.path,
              subgraph: error.extensions.serviceName ?? error.extensions.subgraph,
              operationName,
            };
            if (clientFault) contextValue.logger.info(entry, 'rejected operation');
            else if (isCatalogued(code) && code !== 'INTERNAL_SERVER_ERROR')
              contextValue.logger.warn(entry, 'operation error');
            else contextValue.logger.error(entry, 'unexpected error (masked for the client)');
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || !response.body.singleResult.errors) return;
          response.body.singleResult.errors = response.body.singleResult.errors.map((error) => ({
            ...error,
            extensions: { ...error.extensions, requestId: contextValue.requestId },
          }));
        },
      };
    },
  };
}

/**
 * A document whose operation cannot be chosen (several operations and no or an unknown
 * `operationName`) is the client's mistake: without this the gateway's executor throws and
 * Apollo answers 500. Refused here, before planning, as BAD_USER_INPUT with status 400.
 */
export function operationNamePlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (operation) return;
          const operations = document.definitions.filter(
            (definition) => definition.kind === Kind.OPERATION_DEFINITION,
          );
          const message = request.operationName
            ? `The document has no operation named "${request.operationName}".`
            : operations.length === 0
              ? 'The document has no operation to run.'
              : 'The document has several operations: say which one to run with operationName.';
          throw new GraphQLError(message, {
            extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
          });
        },
      };
    },
  };
}
