import { describe, expect, it } from 'vitest';
import { defaultOperationBudgetMs, gatewayConfig, gatewayConfigFromEnv } from '../../gateway/config.js';
import { deadlineOf, type GatewayContext } from '../../gateway/context.js';
import { DEADLINE_GRACE_MS, fetchTimeoutMs } from '../../gateway/subgraphs.js';
import { Deadline } from '../../lib/deadline.js';
import { ConfigError } from '../../lib/env.js';

describe('GATEWAY_OPERATION_BUDGET_MS', () => {
  it('defaults to 10000 under the default 15000 subgraph timeout, and stays below a subgraph timeout set alone', () => {
    expect(gatewayConfigFromEnv({}).operationBudgetMs).toBe(10_000);
    expect(gatewayConfigFromEnv({ SUBGRAPH_TIMEOUT_MS: '3000' }).operationBudgetMs).toBe(2000);
    expect(gatewayConfig({ subgraphTimeoutMs: 300 }).operationBudgetMs).toBe(200);
    for (const timeout of [100, 999, 15_000, 300_000]) {
      expect(defaultOperationBudgetMs(timeout)).toBeLessThan(timeout);
    }
  });

  it('is read, and refused naming it when not below SUBGRAPH_TIMEOUT_MS or not a number', () => {
    expect(gatewayConfigFromEnv({ GATEWAY_OPERATION_BUDGET_MS: '600' }).operationBudgetMs).toBe(600);
    expect(() => gatewayConfigFromEnv({ GATEWAY_OPERATION_BUDGET_MS: '15000' })).toThrow(ConfigError);
    expect(() =>
      gatewayConfigFromEnv({ GATEWAY_OPERATION_BUDGET_MS: '5000', SUBGRAPH_TIMEOUT_MS: '4000' }),
    ).toThrow(/GATEWAY_OPERATION_BUDGET_MS/);
    expect(() => gatewayConfigFromEnv({ GATEWAY_OPERATION_BUDGET_MS: 'soon' })).toThrow(
      /GATEWAY_OPERATION_BUDGET_MS/,
    );
  });
});

describe('a subgraph fetch under the operation deadline', () => {
  it('waits the subgraph timeout, or what is left of the budget plus the grace when that is less', () => {
    expect(fetchTimeoutMs(15_000, undefined)).toBe(15_000);
    expect(fetchTimeoutMs(15_000, 600)).toBe(600 + DEADLINE_GRACE_MS);
    expect(fetchTimeoutMs(15_000, 0)).toBe(DEADLINE_GRACE_MS);
    expect(fetchTimeoutMs(300, 10_000)).toBe(300);
  });

  it("uses the request's deadline; a background refresh (a copy of its context) gets a budget of its own", () => {
    const spent = Deadline.after(0);
    const context = { deadline: spent } as GatewayContext;
    expect(deadlineOf(context, 10_000)).toBe(spent);
    const refresh = { ...context, refreshing: true } as GatewayContext;
    const own = deadlineOf(refresh, 10_000);
    expect(own).not.toBe(spent);
    expect(own.expired).toBe(false);
    expect(deadlineOf(refresh, 10_000)).toBe(own);
  });
});
