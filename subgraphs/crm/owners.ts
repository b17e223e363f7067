import { GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { Principal } from '../../lib/auth/principal.js';
import { seesOnlyOwnCustomers } from '../../lib/auth/principal.js';
import { LegacyError } from '../../lib/errors.js';
import type { CrmReads } from './client/reads.js';

/**
 * Which CRM user a sales:own caller is: their Salesforce User found by the e-mail their token
 * names (AUTH_CRM_USER_CLAIM), remembered for a few minutes so a rep's requests cost no user
 * lookup each. A caller the CRM does not know as a user owns nothing.
 */
export class CrmOwners {
  private readonly known = new LRUCache<string, { userId: string | null }>({ max: 10_000, ttl: 5 * 60_000 });
  private readonly inFlight = new Map<string, Promise<string | null>>();

  constructor(private readonly reads: CrmReads) {}

  /**
   * The reads a request may make, and the visibility its cache entries are kept under: all
   * accounts for a caller with customer:read, else only the accounts the caller owns.
   */
  async readsFor(principal: Principal, requestId: string): Promise<{ reads: CrmReads; visibility?: string }> {
    if (!seesOnlyOwnCustomers(principal)) return { reads: this.reads };
    let userId: string | null = null;
    try {
      userId = principal.crmUser ? await this.userIdOf(principal.crmUser, requestId) : null;
    } catch (error) {
      // Thrown while the context is made: Apollo would answer 500 for anything but a GraphQL
      // error carrying its HTTP status; this one makes the CRM's part of the answer fail coded.
      if (!(error instanceof LegacyError)) throw error;
      const failure = error.toGraphQLError();
      throw new GraphQLError(failure.message, {
        extensions: { ...failure.extensions, http: { status: 200 } },
      });
    }
    // No CRM user: no account is theirs, so lists are empty — never someone else's.
    return { reads: this.reads.ownedBy(userId), visibility: `owner:${userId ?? 'none'}` };
  }

  private async userIdOf(email: string, requestId: string): Promise<string | null> {
    const key = email.toLowerCase();
    const known = this.known.get(key);
    if (known) return known.userId;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.reads
        .usersByEmail([email], requestId)
        .then(([user]) => {
          const userId = user?.isActiveCrmUser === false ? null : (user?.crmUserId ?? null);
          this.known.set(key, { userId });
          return userId;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }
}
