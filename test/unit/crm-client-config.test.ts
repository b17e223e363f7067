import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/env.js';
import { Secret } from '../../lib/legacyCredentials.js';
import { CRM_SUBGRAPH_DEFAULTS, readCrmSubgraphConfig } from '../../subgraphs/crm/config.js';

describe('CRM subgraph configuration', () => {
  it('uses the documented defaults for an empty environment', () => {
    expect(readCrmSubgraphConfig({})).toEqual({ ...CRM_SUBGRAPH_DEFAULTS, auth: expect.any(Object) });
  });

  it('reads every variable', () => {
    expect(
      readCrmSubgraphConfig({
        CRM_URL: 'https://example.my.salesforce.com/',
        CRM_TOKEN: 't',
        CRM_API_VERSION: 'v61.0',
        CRM_TIMEOUT_MS: '2500',
        CRM_MAX_RETRIES: '0',
        CRM_MAX_CONNECTIONS: '4',
        CRM_BATCHING: 'off',
        CRM_PER_USER: 'off',
        CRM_SUBGRAPH_PORT: '0',
        CRM_SUBGRAPH_HOST: '0.0.0.0',
        LOG_LEVEL: 'debug',
        LEGACY_CACHE: 'off',
        CACHE_TTL_ACTIVITY_S: '5',
        CRM_BREAKER_FAILURES: '3',
        CRM_BREAKER_HALF_OPEN_MS: '2000',
        CRM_MAX_QUEUED: '50',
      }),
    ).toEqual({
      crmUrl: 'https://example.my.salesforce.com',
      crmCredentials: { flow: 'fixed', token: expect.any(Secret) },
      perUser: false,
      apiVersion: 'v61.0',
      timeoutMs: 2500,
      maxRetries: 0,
      maxConnections: 4,
      batching: false,
      resilience: { breakerFailures: 3, breakerHalfOpenMs: 2000, maxQueued: 50 },
      cache: {
        mode: 'off',
        maxBytes: 64 * 1024 * 1024,
        ttlMs: { master: 300_000, customer: 60_000, volatile: 10_000, document: 30_000, activity: 5_000 },
        refreshAhead: { percent: 20, maxConcurrent: 4 },
      },
      port: 0,
      host: '0.0.0.0',
      logLevel: 'debug',
      auth: expect.objectContaining({ mode: 'jwt', issuer: 'customer-graph-dev-issuer' }),
    });
  });

  it.each([
    ['CRM_URL', 'not a url'],
    ['CRM_URL', 'ftp://example.com'],
    ['CRM_API_VERSION', '62'],
    ['CRM_TIMEOUT_MS', '10s'],
    ['CRM_TIMEOUT_MS', '0'],
    ['CRM_MAX_RETRIES', '-1'],
    ['CRM_MAX_CONNECTIONS', '0'],
    ['CRM_BATCHING', 'sometimes'],
    ['CRM_PER_USER', 'on'],
    ['CRM_SUBGRAPH_PORT', '70000'],
    ['LOG_LEVEL', 'loud'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    let thrown: unknown;
    try {
      readCrmSubgraphConfig({ [name]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).variable).toBe(name);
    expect((thrown as ConfigError).message).toContain(name);
  });
});
