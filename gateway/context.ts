import type { Logger } from '../lib/logger.js';

/** What every request carries through the gateway: its id and the child logger that logs under it. */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
}
