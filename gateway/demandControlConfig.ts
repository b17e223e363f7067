import { type Env, integer, oneOf } from '../lib/env.js';
import type { RateLimitSettings } from './rateLimit.js';

export const LIMITS_MODES = ['enforce', 'report'] as const;
export type LimitsMode = (typeof LIMITS_MODES)[number];

/** What a caller may ask of the legacy systems through the gateway (gateway/plugins/demandControl.ts). */
export interface DemandControlConfig {
  /** `report` serves what the limits would refuse and logs it: to size the limits on real traffic first. */
  mode: LimitsMode;
  /** Highest estimated cost of one operation (gateway/cost.ts); Customer360 for 100 customers is about 17,000. */
  maxCost: number;
  rateLimit: RateLimitSettings;
}

export const DEFAULT_DEMAND_CONTROL: Readonly<DemandControlConfig> = {
  mode: 'enforce',
  maxCost: 50_000,
  rateLimit: { requests: 1200, windowS: 60, keyPrefix: 'customer-graph:gateway:rate' },
};

/**
 * GATEWAY_LIMITS_MODE (enforce | report), GATEWAY_MAX_COST, GATEWAY_RATE_LIMIT (requests per caller
 * per window, 0 for none) and GATEWAY_RATE_WINDOW_S; a bad value throws ConfigError naming it.
 */
export function demandControlConfigFromEnv(env: Env): DemandControlConfig {
  return {
    mode: oneOf(env, 'GATEWAY_LIMITS_MODE', LIMITS_MODES, DEFAULT_DEMAND_CONTROL.mode),
    maxCost: integer(env, 'GATEWAY_MAX_COST', DEFAULT_DEMAND_CONTROL.maxCost, 1, 1_000_000_000),
    rateLimit: {
      requests: integer(env, 'GATEWAY_RATE_LIMIT', DEFAULT_DEMAND_CONTROL.rateLimit.requests, 0, 10_000_000),
      windowS: integer(env, 'GATEWAY_RATE_WINDOW_S', DEFAULT_DEMAND_CONTROL.rateLimit.windowS, 1, 86_400),
      keyPrefix: DEFAULT_DEMAND_CONTROL.rateLimit.keyPrefix,
    },
  };
}
