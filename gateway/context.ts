import type { Principal } from '../lib/auth/principal.js';
import type { Logger } from '../lib/logger.js';

/** What every request carries through the gateway: its id, the child logger that logs under it, and its authenticated caller. */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
  principal: Principal;
  /** Set on a background refresh of a cached answer (plugins/responseCache.ts): not the caller's own request. */
  refreshing?: boolean;
  /** Set when an identical query in flight answered this one (gateway/coalescing.ts). */
  coalesced?: boolean;
}
