import { GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../../lib/auth/principal.js';
import { seesOnlyOwnCustomers } from '../../lib/auth/principal.js';
import { LegacyError } from '../../lib/errors.js';
import type { CrmUserTokens } from './client/credentials.js';
import type { CrmReads } from './client/reads.js';

/**
 * What a caller reads of the CRM. Their Salesforce User is found by the e-mail their token names
 * (AUTH_CRM_USER_CLAIM), remembered for a few minutes. A sales:own caller (no customer:read)
 * reads only the accounts that user owns (an OwnerId condition); one the CRM does not know as a
 * user owns nothing. In per-user mode (CRM_PER_USER) a caller who is a CRM user reads with that
 * user's own token (JWT bearer for their username), so Salesforce's sharing applies as in
 * Salesforce itself; a caller who is none (a reporting service) reads as the integration.
 */
export class CrmOwners {
  private readonly known = new LRUCache<string, { user: KnownUser | null }>({ max: 10_000, ttl: 5 * 60_000 });
  private readonly inFlight = new Map<string, Promise<KnownUser | null>>();

  constructor(
    private readonly reads: CrmReads,
    private readonly userTokens?: CrmUserTokens,
  ) {}

  /**
   * The reads a request may make, and the visibility its cache entries are kept under (none:
   * the integration's, shared by every caller who sees all).
   */
  async readsFor(principal: Principal, requestId: string): Promise<{ reads: CrmReads; visibility?: string }> {
    const ownOnly = seesOnlyOwnCustomers(principal);
    if (!ownOnly && !this.userTokens) return { reads: this.reads };
    const user = principal.crmUser ? await this.crmUserOf(principal.crmUser, requestId) : null;
    let reads = this.reads;
    const visibility: string[] = [];
    if (this.userTokens && user?.username) {
      const own = this.userTokens.forUser(user.username);
      reads = reads.actingAs(own);
      visibility.push(own.visibility);
    }
    if (ownOnly) {
      // No CRM user: no account is theirs, so lists are empty — never someone else's.
      reads = reads.ownedBy(user?.userId ?? null);
      visibility.push(`owner:${user?.userId ?? 'none'}`);
    }
    return visibility.length === 0 ? { reads } : { reads, visibility: visibility.join('|') };
  }

  /**
   * Runs while the request's context is made, where Apollo answers 500 for anything but a
   * GraphQL error carrying its HTTP status: a failed lookup becomes the CRM's coded failure.
   */
  private async crmUserOf(email: string, requestId: string): Promise<KnownUser | null> {
    try {
      return await this.lookUp(email, requestId);
    } catch (error) {
      if (!(error instanceof LegacyError)) throw error;
      const failure = error.toGraphQLError();
      throw new GraphQLError(failure.message, {
        extensions: { ...failure.extensions, http: { status: 200 } },
      });
    }
  }

  private async lookUp(email: string, requestId: string): Promise<KnownUser | null> {
    const key = email.toLowerCase();
    const known = this.known.get(key);
    if (known) return known.user;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.reads
        .usersByEmail([email], requestId)
        .then(([found]) => {
          const user =
            found && found.isActiveCrmUser !== false
              ? { userId: found.crmUserId, username: found.crmUsername ?? null }
              : null;
          this.known.set(key, { user });
          return user;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }
}

/** A caller's Salesforce user: the id their accounts' OwnerId holds, the username their own tokens name. */
interface KnownUser {
  userId: string;
  username: string | null;
}
