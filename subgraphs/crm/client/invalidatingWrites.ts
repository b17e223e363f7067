import { bumpGenerations } from '../../../lib/cachedBatch.js';
import type { LegacyCache } from '../../../lib/legacyCache.js';
import { CRM_GENERATIONS } from './cacheGenerations.js';
import type { CrmClient } from './crmClient.js';
import type {
  AccountAddressPurpose,
  ContactDetails,
  NewInteraction,
  PostalAddress,
  QuoteLink,
} from './writeModels.js';
import { CrmWrites } from './writes.js';

/**
 * The CRM writes, each followed by forgetting what it made stale in the shared cache (see
 * CRM_GENERATIONS): the account and its lists when the write names the account, every child
 * list when it does not (a quote write-back, a contact change), and always the pages of
 * accounts, which carry child lists. Bumped whatever the outcome: a write that timed out may
 * still have happened, and a bump that was not needed costs one cache miss.
 */
export class InvalidatingCrmWrites extends CrmWrites {
  constructor(
    client: CrmClient,
    private readonly cache: LegacyCache | undefined,
    /** crmCacheScope(…) of the same instance, API version and token the CRM subgraph reads with. */
    private readonly scope: string,
  ) {
    super(client);
  }

  private async after<T>(write: () => Promise<T>, generations: readonly string[]): Promise<T> {
    try {
      return await write();
    } finally {
      await bumpGenerations(this.cache, this.scope, [CRM_GENERATIONS.accounts, ...generations]);
    }
  }

  override linkQuoteToOrder(link: QuoteLink, requestId?: string): Promise<void> {
    return this.after(
      () => super.linkQuoteToOrder(link, requestId),
      [
        CRM_GENERATIONS.quote(link.quoteId),
        CRM_GENERATIONS.quoteOfOrder(link.orderNumber),
        CRM_GENERATIONS.lists,
        ...(link.opportunityId ? [CRM_GENERATIONS.opportunity(link.opportunityId)] : []),
      ],
    );
  }

  override updateAccountAddress(
    accountId: string,
    purpose: AccountAddressPurpose,
    address: PostalAddress,
    unmodifiedSince: string | null,
    requestId?: string,
  ): Promise<void> {
    return this.after(
      () => super.updateAccountAddress(accountId, purpose, address, unmodifiedSince, requestId),
      [CRM_GENERATIONS.account(accountId)],
    );
  }

  override createContact(accountId: string, details: ContactDetails, requestId?: string): Promise<string> {
    return this.after(
      () => super.createContact(accountId, details, requestId),
      [CRM_GENERATIONS.account(accountId)],
    );
  }

  override updateContact(
    contactId: string,
    details: ContactDetails,
    unmodifiedSince: string | null,
    requestId?: string,
  ): Promise<void> {
    return this.after(
      () => super.updateContact(contactId, details, unmodifiedSince, requestId),
      [CRM_GENERATIONS.contact(contactId), CRM_GENERATIONS.lists],
    );
  }

  override createInteraction(interaction: NewInteraction, requestId?: string): Promise<string> {
    return this.after(
      () => super.createInteraction(interaction, requestId),
      [CRM_GENERATIONS.account(interaction.customerAccountId)],
    );
  }
}
