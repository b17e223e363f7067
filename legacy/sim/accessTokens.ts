import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/**
 * The access tokens a stand-in has issued and what each stands for, as the real systems keep
 * sessions: a token is good until it expires (its lifetime fixed when issued, from the sim
 * setting `tokenLifetimeS`) or is revoked (`POST /__sim/expire-tokens`, as a secret rotation or a
 * logout of every session would). Bounded: the least recently used tokens are forgotten first.
 */
export class AccessTokens<Session> {
  private readonly issued: LRUCache<string, { expiresAt: number; session: Session }>;
  /** Tokens issued since the start (tests and logs). */
  count = 0;

  constructor(
    private readonly now: () => number = Date.now,
    maxTokens = 100_000,
  ) {
    this.issued = new LRUCache({ max: maxTokens });
  }

  /** Records `token` as valid for `lifetimeS` seconds from now. */
  add(token: string, lifetimeS: number, session: Session): void {
    this.count += 1;
    this.issued.set(token, { expiresAt: this.now() + lifetimeS * 1000, session });
  }

  /** What a presented token stands for; undefined when it was never issued, expired or revoked. */
  sessionOf(token: string): Session | undefined {
    const entry = this.issued.get(token);
    if (!entry) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.issued.delete(token);
      return undefined;
    }
    return entry.session;
  }

  /** Revokes every token issued so far; returns how many were still valid. */
  expireAll(): number {
    let valid = 0;
    const now = this.now();
    for (const entry of this.issued.values()) if (now < entry.expiresAt) valid += 1;
    this.issued.clear();
    return valid;
  }
}

/** An opaque random string usable as a token or a signature. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** The bearer token of an Authorization header (`Bearer x`, or Salesforce's older `OAuth x`). */
export function bearerOf(
  header: string | string[] | undefined,
  schemes = /^(?:Bearer)\s+(.+)$/i,
): string | undefined {
  if (typeof header !== 'string') return undefined;
  return schemes.exec(header.trim())?.[1];
}

/** A form body (application/x-www-form-urlencoded) as a map; repeated names keep the first value. */
export function formOf(body: string): Map<string, string> {
  const form = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body)) if (!form.has(name)) form.set(name, value);
  return form;
}
