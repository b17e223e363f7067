import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createErpStandIn } from '../../legacy/erp/createErpStandIn.js';
import { openDataset } from '../../legacy/generator/open.js';
import type { GraphQLAnswer } from '../helpers/stack.js';

/**
 * `npm start` and `npm run start:legacy` as a person runs them: a child process, read from its
 * output, asked over HTTP, stopped with SIGTERM. Ports are 0 (free ones) so the test never
 * collides with a stack already running on the fixed ports.
 */

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CUSTOMERS = 40;
const FREE_PORTS = {
  GATEWAY_PORT: '0',
  ERP_SUBGRAPH_PORT: '0',
  CRM_SUBGRAPH_PORT: '0',
  WORKFLOWS_SUBGRAPH_PORT: '0',
  ERP_PORT: '0',
  CRM_PORT: '0',
  AUTH_DEV_ISSUER_PORT: '0',
};

interface Run {
  child: ChildProcess;
  output(): string;
  errors(): string;
  exited: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterAll(() => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
});

function run(script: string, env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: 'warn',
      SHUTDOWN_DRAIN_MS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => stdout, errors: () => stderr, exited };
}

async function waitFor(runInstance: Run, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = runInstance.output().match(pattern);
    if (match) return match;
    if (runInstance.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${pattern} in output:\n${runInstance.output()}\nstderr:\n${runInstance.errors()}`);
}

/** A token as the README's quick start gets one: `npm run token` (the keys `npm start` serves, in .data/auth). */
function tokenFromScript(): string {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/token.ts', '--sub', 'start-test', '--scopes', 'customer:read,finance:read'],
    { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`npm run token failed: ${result.stderr}`);
  return result.stdout.trim();
}

async function ask(url: string, query: string, token = tokenFromScript()) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLAnswer['body'] };
}

describe('npm start', () => {
  it('starts stand-ins, subgraphs and gateway, prints the URL, answers, and stops cleanly on SIGTERM', async () => {
    const started = run('scripts/start.ts', { ...FREE_PORTS, DATA_CUSTOMERS: String(CUSTOMERS) });
    const [, url] = await waitFor(started, /customer-graph ready: (http:\/\/localhost:\d+\/graphql)/);
    expect(started.output()).toMatch(/curl -s http:\/\/localhost:\d+\/graphql/);
    expect(started.output()).toContain('npm run -s token');
    const anonymous = await ask(url!, '{ __typename }', '');
    expect(anonymous.status).toBe(401);
    const answer = await ask(
      url!,
      '{ customers(first: 3) { edges { node { id name balance { amount } } } } }',
    );
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.customers.edges).toHaveLength(3);
    expect((await fetch(url!.replace(/graphql$/, 'ready'))).status).toBe(200);
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  });

  it('with ERP_URL set, starts no ERP stand-in and points the ERP subgraph there', async () => {
    const dataset = openDataset({ customers: CUSTOMERS });
    const external = createErpStandIn({
      db: dataset.erp,
      companyId: dataset.summary.companyId,
      token: 'external-erp-token',
    });
    await new Promise<void>((resolve) => external.server.listen(0, '127.0.0.1', resolve));
    try {
      const started = run('scripts/start.ts', {
        ...FREE_PORTS,
        DATA_CUSTOMERS: String(CUSTOMERS),
        ERP_URL: `http://127.0.0.1:${(external.server.address() as AddressInfo).port}`,
        ERP_TOKEN: 'external-erp-token',
        ERP_COMPANY_ID: dataset.summary.companyId,
      });
      const [, url] = await waitFor(started, /customer-graph ready: (http:\/\/localhost:\d+\/graphql)/);
      expect(started.output()).toContain('ERP: ERP_URL (external)');
      external.sim.reset();
      const answer = await ask(url!, '{ customers(first: 3) { edges { node { id balance { amount } } } } }');
      expect(answer.body.errors).toBeUndefined();
      expect(external.sim.getStats().total).toBeGreaterThan(0);
      started.child.kill('SIGTERM');
      expect(await started.exited).toBe(0);
    } finally {
      external.server.closeAllConnections();
      await new Promise<void>((resolve) => external.server.close(() => resolve()));
      dataset.close();
    }
  });

  it('a port in use stops it with exit code 2 and a message naming the variable and the port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const started = run('scripts/start.ts', {
        ...FREE_PORTS,
        DATA_CUSTOMERS: String(CUSTOMERS),
        CRM_SUBGRAPH_PORT: String(port),
      });
      expect(await started.exited).toBe(2);
      expect(started.errors()).toContain('CRM_SUBGRAPH_PORT');
      expect(started.errors()).toContain(`port ${port}`);
      expect(started.errors()).toContain('already in use');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('a malformed variable stops it with exit code 2 naming the variable', async () => {
    const started = run('scripts/start.ts', { ...FREE_PORTS, SUBGRAPH_TIMEOUT_MS: 'soon' });
    expect(await started.exited).toBe(2);
    expect(started.errors()).toMatch(/SUBGRAPH_TIMEOUT_MS: must be an integer/);
  });
});

describe('npm run start:legacy', () => {
  it('runs both stand-ins in one process and stops cleanly', async () => {
    const started = run('legacy/main.ts', {
      ERP_PORT: '0',
      CRM_PORT: '0',
      DATA_CUSTOMERS: String(CUSTOMERS),
    });
    const [, erp] = await waitFor(started, /ERP stand-in \(Business Central API v2\.0\): (http:\/\/[^\s]+)/);
    const [, crm] = await waitFor(started, /CRM stand-in \(Salesforce REST API v62\.0\): (http:\/\/[^\s]+)/);
    const customers = await fetch(`${erp}/customers?$top=2`, {
      headers: { authorization: 'Bearer erp-dev-token' },
    });
    expect(customers.status).toBe(200);
    expect(((await customers.json()) as { value: unknown[] }).value).toHaveLength(2);
    const accounts = await fetch(`${crm}query?q=${encodeURIComponent('SELECT Id FROM Account LIMIT 2')}`, {
      headers: { authorization: 'Bearer crm-dev-token' },
    });
    expect(accounts.status).toBe(200);
    expect(((await accounts.json()) as { records: unknown[] }).records).toHaveLength(2);
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  });
});

describe('npm run start:gateway', () => {
  it('runs the gateway alone: listens, answers /health, stops cleanly on SIGTERM', async () => {
    const started = run('gateway/main.ts', { GATEWAY_PORT: '0', LOG_LEVEL: 'info' });
    const [, url] = await waitFor(started, /gateway ready: (http:\/\/127\.0\.0\.1:\d+)\/graphql/);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  });

  it('a supergraph that cannot be read stops it with exit code 2 naming SUPERGRAPH_PATH', async () => {
    const started = run('gateway/main.ts', {
      GATEWAY_PORT: '0',
      SUPERGRAPH_PATH: '/nonexistent/supergraph.graphql',
    });
    expect(await started.exited).toBe(2);
    expect(started.errors()).toContain('SUPERGRAPH_PATH');
  });
});
