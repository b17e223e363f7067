import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_360 } from '../helpers/expected.js';
import type { Stack } from '../helpers/stack.js';

/**
 * The product opens no connection except to its legacy systems, its own subgraphs (and Redis,
 * unused here). Every TCP connection this process attempts is recorded by patching
 * net.Socket#connect (which node:http, undici and tls all go through) BEFORE any Apollo code
 * is loaded; an attempt anywhere but loopback is recorded and refused, so nothing leaves the
 * machine even if the product misbehaves. The environment is made as hostile as can be: no
 * APOLLO_TELEMETRY_DISABLED and an Apollo key present.
 */

interface Attempt {
  host: string;
  port: number;
}

const attempts: Attempt[] = [];
const originalConnect = net.Socket.prototype.connect;
const savedEnv = { ...process.env };
let stack: Stack;

function targetOf(args: unknown[]): Attempt | undefined {
  // net.connect() hands Socket#connect its normalised arguments as one array.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: string; port?: number | string; path?: string };
    if (options.path !== undefined) return undefined; // a local socket file, not the network
    return { host: options.host ?? 'localhost', port: Number(options.port) };
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: Number(first) };
  }
  return undefined;
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

beforeAll(async () => {
  delete process.env.APOLLO_TELEMETRY_DISABLED;
  process.env.APOLLO_KEY = 'service:customer-graph-test:not-a-real-key';
  process.env.APOLLO_GRAPH_REF = 'customer-graph-test@current';
  process.env.APOLLO_SCHEMA_REPORTING = 'true';
  net.Socket.prototype.connect = function recordingConnect(this: net.Socket, ...args: unknown[]) {
    const target = targetOf(args);
    if (target) {
      attempts.push(target);
      if (!isLoopback(target.host)) {
        process.nextTick(() => this.destroy(new Error(`test refused a connection to ${target.host}`)));
        return this;
      }
    }
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof originalConnect;
  // Loaded only now, after the patch: the gateway's telemetry starts when its modules load and construct.
  const { startStack } = await import('../helpers/stack.js');
  stack = await startStack({ customers: 30 });
});

afterAll(async () => {
  await stack?.close();
  net.Socket.prototype.connect = originalConnect;
  for (const name of ['APOLLO_KEY', 'APOLLO_GRAPH_REF', 'APOLLO_SCHEMA_REPORTING']) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

describe('no telemetry, no usage reporting, no metadata probes', () => {
  it('connects only to the stand-ins and the subgraphs while starting, answering and being probed', async () => {
    const answer = await stack.query(CUSTOMER_360, { first: 5 });
    expect(answer.body.errors).toBeUndefined();
    expect((await fetch(stack.gatewayUrl.replace(/graphql$/, 'ready'))).status).toBe(200);
    // Resource detectors and exporters run in the background: give them time to try.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const port = (url: string) => Number(new URL(url).port);
    const allowed = new Set(
      [
        stack.erpLegacyUrl,
        stack.crmLegacyUrl,
        stack.erpSubgraphUrl,
        stack.crmSubgraphUrl,
        stack.workflowsSubgraphUrl,
        stack.reportsSubgraphUrl,
        stack.gatewayUrl,
      ].map(port),
    );
    const elsewhere = attempts.filter((attempt) => !isLoopback(attempt.host) || !allowed.has(attempt.port));
    expect(elsewhere).toEqual([]);
    // The recorder saw the product's own connections: gateway → subgraphs → legacy systems.
    const seen = new Set(attempts.map((attempt) => attempt.port));
    for (const url of [stack.erpLegacyUrl, stack.crmLegacyUrl, stack.erpSubgraphUrl, stack.crmSubgraphUrl]) {
      expect(seen.has(port(url)), url).toBe(true);
    }
    // The product switched Apollo's telemetry off itself and dropped the key.
    expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('1');
    expect(process.env.APOLLO_KEY).toBeUndefined();
  });
});
