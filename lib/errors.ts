import { GraphQLError } from 'graphql';

/**
 * The one catalogue of error codes a client can see in `extensions.code`. Codes are stable:
 * clients branch on them, so a code is never renamed or reused for another meaning. Anything
 * not in this catalogue is masked to INTERNAL_SERVER_ERROR at the gateway and logged.
 */
export const ERROR_CODES = {
  /** An argument is malformed or out of range (bad id, page size, cursor, empty string). */
  BAD_USER_INPUT: 'The request has an argument that is malformed or out of range.',
  /** The operation is not valid GraphQL or names fields that do not exist. */
  GRAPHQL_VALIDATION_FAILED: 'The operation does not match the schema.',
  GRAPHQL_PARSE_FAILED: 'The operation is not valid GraphQL.',
  /** No or invalid credentials. */
  UNAUTHENTICATED: 'Authentication is required.',
  /** Authenticated, but not allowed to read or change this. */
  FORBIDDEN: 'Not allowed.',
  /**
   * The caller may not see this field or type, or run this mutation (a scope or policy the schema
   * asks is missing): the field is null at its path, nothing was fetched or run for it, and the
   * rest of the answer is served.
   */
  UNAUTHORIZED_FIELD_OR_TYPE: 'Not allowed to see this field or run this operation.',
  /** The record does not exist in its system of record (writes and explicit lookups). */
  NOT_FOUND: 'The record does not exist.',
  /** Someone else changed the record since it was read (ETag / last-modified check). */
  CONFLICT: 'The record was changed by someone else.',
  /** A legacy system did not answer: down, refusing connections or answering 5xx. */
  LEGACY_UNAVAILABLE: 'A legacy system is unavailable.',
  /** A legacy system did not answer within the configured timeout. */
  LEGACY_TIMEOUT: 'A legacy system did not answer in time.',
  /** A legacy system refused the call for its rate limit and retries did not get through. */
  LEGACY_THROTTLED: 'A legacy system is rate-limiting requests.',
  /** A legacy system answered something that is not what its protocol promises. */
  LEGACY_BAD_RESPONSE: 'A legacy system answered with an unexpected response.',
  /** A legacy system refused a request we built: a bug on our side or a data problem. */
  LEGACY_REJECTED: 'A legacy system refused the request.',
  /**
   * A legacy system (or its identity provider) refused the gateway's credentials: a token that
   * could not be renewed, a client secret or key that is wrong, revoked or expired.
   */
  LEGACY_AUTH_FAILED: "A legacy system refused the gateway's credentials.",
  /** A subgraph of the gateway failed or timed out; its fields are missing from the answer. */
  SUBGRAPH_UNAVAILABLE: 'Part of the graph is unavailable.',
  /** The operation exceeds a limit (depth, aliases, tokens, cost, page size). */
  OPERATION_LIMIT_EXCEEDED: 'The operation exceeds a limit.',
  /** The caller sent more requests than its rate limit allows (HTTP 429); retry after `Retry-After` seconds. */
  RATE_LIMITED: 'Too many requests; retry later.',
  /** An idempotency key was sent again with a different input: keys name one operation only. */
  IDEMPOTENCY_KEY_REUSED: 'The idempotency key was already used with a different input.',
  /** An earlier call with the same idempotency key (or for the same record) is still running. */
  OPERATION_IN_PROGRESS: 'The same operation is still running; retry with the same key.',
  /** The order would take the customer past its credit limit; extensions say by how much. */
  CREDIT_LIMIT_EXCEEDED: "The order exceeds the customer's credit limit.",
  /** The ERP customer is blocked for this kind of document. */
  CUSTOMER_BLOCKED: 'The customer is blocked in the ERP.',
  /** The CRM account is not linked to an ERP customer (a prospect), or the link is broken. */
  CUSTOMER_NOT_LINKED: 'The customer is not linked to an ERP customer.',
  /** A product is not known to the ERP. */
  UNKNOWN_PRODUCT: 'A product does not exist in the ERP.',
  /** A product exists in the ERP but is blocked for sale. */
  PRODUCT_BLOCKED: 'A product is blocked in the ERP.',
  /** The quote cannot become an order (its status, its lines, or it has none). */
  QUOTE_NOT_CONVERTIBLE: 'The quote cannot be converted to an order.',
  /**
   * The quote's discount needs an approval it does not have (never requested, pending, refused,
   * or granted for a smaller discount); extensions name the rule (level, threshold, discount).
   */
  DISCOUNT_APPROVAL_REQUIRED: 'The quote discount needs approval before it can become an order.',
  /** The caller may not decide this approval (its level needs another scope), or it is not pending. */
  APPROVAL_NOT_ALLOWED: 'This approval cannot be decided by this caller or in its current state.',
  /** A warranty claim for a unit that is not covered; extensions say why (NO_ENTITLEMENT, EXPIRED, …). */
  WARRANTY_NOT_ELIGIBLE: 'The unit is not covered by a warranty.',
  /** The support case is closed and cannot be changed (reopen it in the CRM). */
  CASE_CLOSED: 'The support case is closed.',
  /** The sales order can no longer be changed (released, shipped or invoiced). */
  ORDER_NOT_CHANGEABLE: 'The sales order cannot be changed in its current state.',
  /**
   * The CRM account cannot become an ERP customer as it stands (no name, or values the ERP cannot
   * hold); extensions list each field and why, so someone can correct the account first.
   */
  ACCOUNT_NOT_ONBOARDABLE: 'The CRM account cannot be made an ERP customer as it stands.',
  /** Anything unexpected: details are in the logs under the request id, never in the answer. */
  INTERNAL_SERVER_ERROR: 'Internal server error.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export type LegacySystem = 'ERP' | 'CRM';

export interface AppErrorExtensions {
  /** Which legacy system the error is about, when it is about one. */
  system?: LegacySystem;
  /** Machine-readable details safe to show a client (never legacy error text or URLs). */
  [key: string]: unknown;
}

/** A GraphQL error whose code is from the catalogue. */
export function appError(
  code: ErrorCode,
  message: string,
  extensions: AppErrorExtensions = {},
): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export function isCatalogued(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/**
 * A failed legacy call, already classified. The legacy system's own error text and the URL
 * stay in `detail` for the logs; only `code`, `system` and `message` reach a client.
 */
export class LegacyError extends Error {
  constructor(
    readonly code: Extract<
      ErrorCode,
      | 'LEGACY_UNAVAILABLE'
      | 'LEGACY_TIMEOUT'
      | 'LEGACY_THROTTLED'
      | 'LEGACY_BAD_RESPONSE'
      | 'LEGACY_REJECTED'
      | 'LEGACY_AUTH_FAILED'
      | 'NOT_FOUND'
      | 'CONFLICT'
    >,
    readonly system: LegacySystem,
    message: string,
    /** For logs only: status, legacy error code and text, route. */
    readonly detail: Record<string, unknown> = {},
    /** Why we did not call at all (shown to clients as `extensions.reason`); absent for the system's own failures. */
    readonly reason?: LegacyRefusalReason,
  ) {
    super(message);
    this.name = 'LegacyError';
  }

  toGraphQLError(): GraphQLError {
    return appError(this.code, this.message, {
      system: this.system,
      ...(this.reason === undefined ? {} : { reason: this.reason }),
    });
  }
}

/**
 * Why a legacy call was refused on our side, without reaching the system: its circuit breaker is
 * open (LEGACY_UNAVAILABLE), or the calls waiting for one of its connections already fill the
 * queue (LEGACY_THROTTLED). See lib/legacyResilience.ts.
 */
export type LegacyRefusalReason = 'CIRCUIT_OPEN' | 'QUEUE_FULL';

/** A call refused on our side (breaker open, queue full): the client sees the code, system and reason. */
export function legacyRefusal(
  system: LegacySystem,
  code: Extract<ErrorCode, 'LEGACY_UNAVAILABLE' | 'LEGACY_THROTTLED'>,
  reason: LegacyRefusalReason,
  label: string,
): LegacyError {
  const message =
    reason === 'CIRCUIT_OPEN'
      ? `The ${system} is unavailable (${label}): it failed repeatedly and is not called for a while.`
      : `The ${system} is busy (${label}): too many calls are already waiting for it; try again shortly.`;
  return new LegacyError(code, system, message, { label }, reason);
}

/** What a client is told about a failed legacy call: what failed (the label), never the legacy text. */
export function legacyFailureMessage(system: LegacySystem, code: LegacyError['code'], label: string): string {
  switch (code) {
    case 'LEGACY_THROTTLED':
      return `The ${system} is rate-limiting requests (${label}); try again shortly.`;
    case 'LEGACY_UNAVAILABLE':
      return `The ${system} is unavailable (${label}).`;
    case 'LEGACY_TIMEOUT':
      return `The ${system} did not answer in time (${label}).`;
    case 'NOT_FOUND':
      return `The ${system} has no such record (${label}).`;
    case 'CONFLICT':
      return `The record was changed in the ${system} since it was read (${label}).`;
    case 'LEGACY_BAD_RESPONSE':
      return `The ${system} answered with an unexpected response (${label}).`;
    case 'LEGACY_REJECTED':
      return `The ${system} refused the request (${label}).`;
    case 'LEGACY_AUTH_FAILED':
      return `The ${system} refused the gateway's credentials (${label}).`;
  }
}

/** A failed legacy call with the client-facing message of its code; `detail` is for the logs only. */
export function legacyFailure(
  system: LegacySystem,
  code: LegacyError['code'],
  label: string,
  detail: Record<string, unknown> = {},
): LegacyError {
  return new LegacyError(code, system, legacyFailureMessage(system, code, label), detail);
}

/** An answer that is not what the legacy protocol promises; `why` is for the logs only. */
export function badLegacyResponse(system: LegacySystem, label: string, why?: string): LegacyError {
  return legacyFailure(system, 'LEGACY_BAD_RESPONSE', label, why === undefined ? { label } : { label, why });
}
