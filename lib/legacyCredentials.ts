import { inspect } from 'node:util';
import { type Dispatcher, request } from 'undici';
import { LegacyError, type LegacySystem, legacyFailure } from './errors.js';
import { isTimeoutError } from './legacyHttp.js';
import type { Logger } from './logger.js';

/**
 * How the subgraphs hold the credentials of a legacy system, whatever its identity provider:
 * a source of access tokens that hands out the current token, fetches a new one ahead of its
 * expiry, shares one fetch among concurrent callers, and renews a token the system refused —
 * once, however many calls saw it refused. The flows themselves (which form fields, which
 * grant, what the answer carries) are each client's business: `subgraphs/erp/client/
 * credentials.ts` (Microsoft Entra ID) and `subgraphs/crm/client/credentials.ts` (Salesforce).
 * Tokens and secrets are never logged nor put into an error: a LegacyError's detail carries
 * the identity provider's error code and description only.
 */

/** Whose records a token shows; part of the cache scopes, so it must not change with the token. */
export const INTEGRATION_VISIBILITY = 'integration';

export interface AccessTokenSource {
  readonly system: LegacySystem;
  /**
   * What the system lets this credential see: {@link INTEGRATION_VISIBILITY} for the gateway's
   * own credentials (fixed token, client credentials), `user:<username>` for a per-user token.
   * Stable across token rotations and replicas: the legacy cache keys on it, never on a token.
   */
  readonly visibility: string;
  /** A token to send now: the current one, or a new one when it is (nearly) expired. */
  token(): Promise<string>;
  /**
   * The system refused `refused` (401 / invalid session): a new token. Callers that saw the same
   * token refused share one fetch; a caller holding an older token gets the current one. Throws
   * LEGACY_AUTH_FAILED when no new token can be had (a fixed token, the provider refusing).
   */
  renew(refused: string): Promise<string>;
}

/** A secret read from the configuration: printed, logged or serialised, it shows as [redacted]. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}

/** The configuration of a fixed token (either system's `{ flow: 'fixed' }`). */
export function fixedCredentials(token: string): { flow: 'fixed'; token: Secret } {
  return { flow: 'fixed', token: new Secret(token) };
}

/** A token configured by hand (ERP_TOKEN / CRM_TOKEN): sent as is; refused, nothing can renew it. */
export function fixedTokenSource(
  system: LegacySystem,
  token: Secret | string,
  visibility: string = INTEGRATION_VISIBILITY,
): AccessTokenSource {
  const secret = typeof token === 'string' ? new Secret(token) : token;
  return {
    system,
    visibility,
    token: async () => secret.reveal(),
    renew: async () => {
      throw authFailed(system, 'fixed token', { why: 'the configured token was refused' });
    },
  };
}

/** What a token endpoint gave: the token and, when the provider says, its lifetime. */
export interface IssuedToken {
  accessToken: string;
  /** Seconds from now; undefined when the provider does not say (Salesforce): kept until refused. */
  expiresInS?: number;
}

export interface OAuthTokenSourceOptions {
  system: LegacySystem;
  visibility?: string;
  /** Runs the flow once: asks the identity provider for a new token. */
  fetchToken: () => Promise<IssuedToken>;
  /** Refresh this long before expiry (at most half the lifetime). Default 60 s. */
  refreshMarginMs?: number;
  /** The clock (tests move it instead of waiting). */
  now?: () => number;
  logger?: Logger;
}

interface HeldToken {
  value: string;
  /** When to fetch the next one (expiry minus the margin); Infinity: until refused. */
  refreshAt: number;
}

/**
 * Tokens from an OAuth flow: fetched when first needed, refreshed ahead of expiry, renewed once
 * when the system refuses them. At most one fetch is in flight: whoever needs a token while it
 * runs waits for it. A failed fetch is not remembered: the next call tries again.
 */
export class OAuthTokenSource implements AccessTokenSource {
  readonly system: LegacySystem;
  readonly visibility: string;
  /** Token fetches made (tests and metrics). */
  fetches = 0;
  private held: HeldToken | undefined;
  private inFlight: Promise<string> | undefined;
  private readonly now: () => number;
  private readonly refreshMarginMs: number;

  constructor(private readonly options: OAuthTokenSourceOptions) {
    this.system = options.system;
    this.visibility = options.visibility ?? INTEGRATION_VISIBILITY;
    this.now = options.now ?? Date.now;
    this.refreshMarginMs = options.refreshMarginMs ?? 60_000;
  }

  token(): Promise<string> {
    if (this.held && this.now() < this.held.refreshAt) return Promise.resolve(this.held.value);
    return this.fetch();
  }

  renew(refused: string): Promise<string> {
    if (this.inFlight) return this.inFlight;
    // Someone renewed it already: the current token is newer than the refused one.
    if (this.held && this.held.value !== refused && this.now() < this.held.refreshAt) {
      return Promise.resolve(this.held.value);
    }
    this.held = undefined;
    return this.fetch();
  }

  private fetch(): Promise<string> {
    if (!this.inFlight) {
      this.inFlight = this.fetchOnce().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async fetchOnce(): Promise<string> {
    this.fetches += 1;
    const issuedAt = this.now();
    try {
      const issued = await this.options.fetchToken();
      const lifetimeMs = issued.expiresInS === undefined ? undefined : issued.expiresInS * 1000;
      const refreshAt =
        lifetimeMs === undefined
          ? Number.POSITIVE_INFINITY
          : issuedAt + lifetimeMs - Math.min(this.refreshMarginMs, lifetimeMs / 2);
      this.held = { value: issued.accessToken, refreshAt };
      this.options.logger?.debug(
        { system: this.system, visibility: this.visibility, expiresInS: issued.expiresInS },
        'legacy access token issued',
      );
      return issued.accessToken;
    } catch (error) {
      this.held = undefined;
      this.options.logger?.warn(
        {
          system: this.system,
          visibility: this.visibility,
          code: error instanceof LegacyError ? error.code : undefined,
          detail: error instanceof LegacyError ? error.detail : String(error),
        },
        'legacy access token request failed',
      );
      throw error;
    }
  }
}

/** The credentials were refused: LEGACY_AUTH_FAILED naming the system; `detail` for the logs only. */
export function authFailed(
  system: LegacySystem,
  label: string,
  detail: Record<string, unknown> = {},
): LegacyError {
  return legacyFailure(system, 'LEGACY_AUTH_FAILED', label, { label, ...detail });
}

export interface TokenRequest {
  system: LegacySystem;
  url: string;
  /** Sent as application/x-www-form-urlencoded (RFC 6749 §4.4, RFC 7523 §2.1). */
  form: Record<string, string>;
  timeoutMs: number;
  /** For logs and errors, e.g. "ERP token (client credentials)". */
  label: string;
  /** Default: undici's global pool (token requests are rare). */
  dispatcher?: Dispatcher;
}

/**
 * One request to an OAuth 2.0 token endpoint. The provider refusing (400/401/403, RFC 6749
 * §5.2) is LEGACY_AUTH_FAILED with its `error` and `error_description` in the detail; not
 * answering is LEGACY_UNAVAILABLE / LEGACY_TIMEOUT, as for any legacy call. Never retried here:
 * the data call that needed the token decides.
 */
export async function requestToken(req: TokenRequest): Promise<Record<string, unknown>> {
  const { system, label } = req;
  let status: number;
  let text: string;
  try {
    const response = await request(req.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(req.form).toString(),
      ...(req.dispatcher ? { dispatcher: req.dispatcher } : {}),
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    throw isTimeoutError(error)
      ? legacyFailure(system, 'LEGACY_TIMEOUT', label, { label, timeoutMs: req.timeoutMs })
      : legacyFailure(system, 'LEGACY_UNAVAILABLE', label, {
          label,
          cause: error instanceof Error ? error.message : String(error),
        });
  }
  let body: unknown;
  try {
    body = text.length === 0 ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  const fields =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  if (status >= 200 && status < 300) {
    if (!fields) throw legacyFailure(system, 'LEGACY_BAD_RESPONSE', label, { label, status });
    return fields;
  }
  const described = {
    label,
    status,
    legacyCode: typeof fields?.error === 'string' ? fields.error : undefined,
    legacyMessage: typeof fields?.error_description === 'string' ? fields.error_description : undefined,
  };
  if (status === 429) throw legacyFailure(system, 'LEGACY_THROTTLED', label, described);
  if (status >= 500) throw legacyFailure(system, 'LEGACY_UNAVAILABLE', label, described);
  throw legacyFailure(system, 'LEGACY_AUTH_FAILED', label, described);
}

/** A token answer's access token (RFC 6749 §5.1); LEGACY_BAD_RESPONSE without one. */
export function accessTokenOf(system: LegacySystem, label: string, body: Record<string, unknown>): string {
  const token = body.access_token;
  if (typeof token !== 'string' || token === '') {
    throw legacyFailure(system, 'LEGACY_BAD_RESPONSE', label, { label, why: 'no access_token' });
  }
  return token;
}

/** `expires_in` in seconds when the answer has a usable one (Entra sends a number; some send a string). */
export function expiresInOf(body: Record<string, unknown>): number | undefined {
  const raw = body.expires_in;
  const seconds = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}
