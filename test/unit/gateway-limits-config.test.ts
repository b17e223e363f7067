import { describe, expect, it } from 'vitest';
import { gatewayConfigFromEnv } from '../../gateway/config.js';
import { DEFAULT_DEMAND_CONTROL, demandControlConfigFromEnv } from '../../gateway/demandControlConfig.js';
import { corsConfigFromEnv } from '../../lib/cors.js';
import { ConfigError } from '../../lib/env.js';

/** GATEWAY_LIMITS_MODE, GATEWAY_MAX_COST, GATEWAY_RATE_LIMIT, GATEWAY_RATE_WINDOW_S, CORS_ORIGINS, CORS_MAX_AGE_S. */

function refusal(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('demand control configuration', () => {
  it('defaults: enforced, cost 50,000, 1,200 requests a minute per caller', () => {
    expect(demandControlConfigFromEnv({})).toEqual(DEFAULT_DEMAND_CONTROL);
    expect(DEFAULT_DEMAND_CONTROL).toMatchObject({
      mode: 'enforce',
      maxCost: 50_000,
      rateLimit: { requests: 1200, windowS: 60 },
    });
  });

  it('reads each variable', () => {
    const config = demandControlConfigFromEnv({
      GATEWAY_LIMITS_MODE: 'Report',
      GATEWAY_MAX_COST: '20000',
      GATEWAY_RATE_LIMIT: '0',
      GATEWAY_RATE_WINDOW_S: '1',
    });
    expect(config).toMatchObject({ mode: 'report', maxCost: 20_000, rateLimit: { requests: 0, windowS: 1 } });
  });

  it.each([
    ['GATEWAY_LIMITS_MODE', 'warn'],
    ['GATEWAY_MAX_COST', '0'],
    ['GATEWAY_MAX_COST', 'lots'],
    ['GATEWAY_RATE_LIMIT', '-1'],
    ['GATEWAY_RATE_WINDOW_S', '0'],
    ['GATEWAY_RATE_WINDOW_S', '1.5'],
  ])('refuses %s=%s, naming it', (variable, value) => {
    const error = refusal(() => demandControlConfigFromEnv({ [variable]: value }));
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(value);
  });
});

describe('CORS configuration', () => {
  it('none by default', () => {
    expect(corsConfigFromEnv({})).toEqual({ origins: [], maxAgeS: 600 });
  });

  it('comma-separated exact origins, normalised and deduplicated', () => {
    expect(
      corsConfigFromEnv({
        CORS_ORIGINS: ' https://app.example.com, http://localhost:5173 ,https://app.example.com/',
        CORS_MAX_AGE_S: '60',
      }),
    ).toEqual({ origins: ['https://app.example.com', 'http://localhost:5173'], maxAgeS: 60 });
  });

  it.each([
    '*',
    'app.example.com',
    'https://app.example.com/path',
    'ftp://files.example.com',
    'https://*.example.com',
  ])('refuses CORS_ORIGINS=%s, naming it', (origin) => {
    const error = refusal(() => corsConfigFromEnv({ CORS_ORIGINS: `https://ok.example.com,${origin}` }));
    expect(error.variable).toBe('CORS_ORIGINS');
    expect(error.message).toContain(origin);
  });

  it('refuses a bad CORS_MAX_AGE_S', () => {
    expect(refusal(() => corsConfigFromEnv({ CORS_MAX_AGE_S: 'forever' })).variable).toBe('CORS_MAX_AGE_S');
  });
});

describe('identical work done once: configuration', () => {
  it('defaults: coalescing and fetch deduplication on, refresh in the last 20 % of a TTL, 4 at once', () => {
    const config = gatewayConfigFromEnv({});
    expect(config.sharing).toEqual({ coalesceOperations: true, deduplicateFetches: true });
    expect(config.responseCache.refreshAhead).toEqual({ percent: 20, maxConcurrent: 4 });
  });

  it('reads each variable', () => {
    const config = gatewayConfigFromEnv({
      GATEWAY_COALESCING: 'off',
      SUBGRAPH_FETCH_DEDUP: 'false',
      CACHE_REFRESH_AHEAD_PERCENT: '0',
      CACHE_REFRESH_MAX_CONCURRENT: '16',
    });
    expect(config.sharing).toEqual({ coalesceOperations: false, deduplicateFetches: false });
    expect(config.responseCache.refreshAhead).toEqual({ percent: 0, maxConcurrent: 16 });
  });

  it('refuses a bad value, naming the variable', () => {
    expect(refusal(() => gatewayConfigFromEnv({ GATEWAY_COALESCING: 'sometimes' })).variable).toBe(
      'GATEWAY_COALESCING',
    );
    expect(refusal(() => gatewayConfigFromEnv({ CACHE_REFRESH_AHEAD_PERCENT: '95' })).variable).toBe(
      'CACHE_REFRESH_AHEAD_PERCENT',
    );
    expect(refusal(() => gatewayConfigFromEnv({ CACHE_REFRESH_MAX_CONCURRENT: '0' })).variable).toBe(
      'CACHE_REFRESH_MAX_CONCURRENT',
    );
  });
});
