import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERP_TOKEN, type Stack, startStack } from '../helpers/stack.js';

/**
 * Graceful drain on SIGTERM (lib/runServer.ts), on real processes (`node --import tsx
 * <main.ts>`, port 0) under a load of concurrent requests from this test: /ready turns 503 while
 * GraphQL is still answered, then the listener closes (connections refused), every request the
 * process accepted gets its whole 200 answer, and it exits 0. Asserted as orders of events.
 */

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

let stack: Stack;
const running: ChildProcess[] = [];

beforeAll(async () => {
  // Legacy latency keeps each GraphQL request in flight a while, so some are when the listener closes.
  stack = await startStack({ customers: 30, erpSim: { latencyMs: 15 }, crmSim: { latencyMs: 15 } });
});
afterAll(async () => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  await stack?.close();
});

interface Run {
  child: ChildProcess;
  output(): string;
  errors(): string;
  exited: Promise<number | null>;
  /** The origin its log line gives (`"url":"http://…/graphql"`), once listening. */
  origin: Promise<string>;
}

function run(script: string, env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let stdout = '';
  let stderr = '';
  // 'close', not 'exit': its output is read to the end by then.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const origin = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then(() => reject(new Error(`${script} exited before listening:\n${stdout}\n${stderr}`)));
  });
  // Not every test waits for it.
  origin.catch(() => undefined);
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return { child, output: () => stdout, errors: () => stderr, exited, origin };
}

/** The log messages of a run, in order. */
function messages(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
}

type Outcome =
  | { kind: 'answer'; status: number; body: string; connection: string | undefined }
  | { kind: 'refused' }
  | { kind: 'failed'; code: string; answered: boolean };

/**
 * One HTTP request; `agent` false opens a connection of its own (a refused one then means the
 * listener is closed). `beforeEnd` runs after half the body is sent: the request is in flight.
 */
function send(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    agent?: Agent | false;
    beforeEnd?: () => Promise<void>;
    onSocket?: (socket: Socket) => void;
    /** A connection opened beforehand, to send this request on. */
    connection?: Socket;
  } = {},
): Promise<Outcome> {
  return new Promise((resolve) => {
    let answered = false;
    const body = options.body ?? '';
    const req = httpRequest(
      url,
      {
        method: options.method ?? 'GET',
        ...(options.connection
          ? { createConnection: () => options.connection as Socket }
          : { agent: options.agent ?? false }),
        headers: { ...options.headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) },
      },
      (res) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({
            kind: 'answer',
            status: res.statusCode ?? 0,
            body: text,
            connection: (res.headers as IncomingHttpHeaders).connection,
          }),
        );
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ kind: 'failed', code: error.code ?? error.message, answered }),
        );
      },
    );
    req.on('socket', (socket) => options.onSocket?.(socket));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve(
        error.code === 'ECONNREFUSED'
          ? { kind: 'refused' }
          : { kind: 'failed', code: error.code ?? error.message, answered },
      ),
    );
    if (!body) return void req.end();
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    void (options.beforeEnd ?? (async () => undefined))().then(() => req.end(body.slice(half)));
  });
}

interface Target {
  script: string;
  env: Record<string, string>;
  /** Log message of the drain period's start, e.g. 'gateway draining: …'. */
  title: string;
  query: string;
  headers: () => Promise<Record<string, string>>;
}

/**
 * Starts the target, loads it with `workers` loops of GraphQL requests (each on a connection of
 * its own) and a /ready poller, SIGTERMs it once answers flow, and records every event in order.
 */
async function drainUnderLoad(target: Target, workers = 3) {
  const started = run(target.script, { SHUTDOWN_DRAIN_MS: '3000', ...target.env });
  const origin = await started.origin;
  const headers = { 'content-type': 'application/json', ...(await target.headers()) };
  const body = JSON.stringify({ query: target.query });
  const events: string[] = [];
  const answers: { outcome: Outcome; sentWhileDraining: boolean }[] = [];
  let refused = false;
  const seen = (event: string) => {
    if (events.at(-1) !== event) events.push(event);
  };

  // A keep-alive connection left idle, and a request in flight across the listener's close (its body half sent).
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
  let idleSocketClosed = false;
  const first = await send(`${origin}/graphql`, {
    method: 'POST',
    headers,
    body,
    agent: keepAlive,
    onSocket: (socket) =>
      socket.once('close', () => {
        idleSocketClosed = true;
        seen('idle keep-alive connection closed');
      }),
  });
  expect(first).toMatchObject({ kind: 'answer', status: 200, connection: 'keep-alive' });
  let listenerClosed!: () => void;
  const untilRefused = new Promise<void>((resolve) => {
    listenerClosed = resolve;
  });
  const inFlight = send(`${origin}/graphql`, {
    method: 'POST',
    headers,
    body,
    agent: new Agent({ keepAlive: true }),
    beforeEnd: () => untilRefused,
  });
  // A connection opened before the close (as a pool opens them ahead) whose request comes after.
  const { hostname, port } = new URL(origin);
  const opened = connect(Number(port), hostname);
  await new Promise((resolve) => opened.once('connect', resolve));
  // One that never sends a request: closed by the server, not left to hold it until the cut-off (exit 1).
  const silent = connect(Number(port), hostname);
  await new Promise((resolve) => silent.once('connect', resolve));
  silent.on('error', () => undefined);
  silent.once('close', () => seen('silent connection closed'));
  const early = untilRefused.then(() =>
    send(`${origin}/graphql`, { method: 'POST', headers, body, connection: opened }),
  );

  /** Resets of a worker's last connection before its refused one (see expectDrained). */
  const resetAtClose: Outcome[] = [];
  const worker = async () => {
    while (!refused) {
      const sentWhileDraining = events.includes('ready 503 draining');
      const outcome = await send(`${origin}/graphql`, { method: 'POST', headers, body });
      if (outcome.kind === 'refused') {
        refused = true;
        seen('refused');
        listenerClosed();
      } else if (outcome.kind === 'failed' && !outcome.answered && outcome.code === 'ECONNRESET') {
        // Counted as one only if the next is refused: the listener closed meanwhile.
        const next = await send(`${origin}/graphql`, { method: 'POST', headers, body });
        if (next.kind === 'refused') {
          resetAtClose.push(outcome);
          refused = true;
          seen('refused');
          listenerClosed();
        } else answers.push({ outcome, sentWhileDraining }, { outcome: next, sentWhileDraining });
      } else {
        answers.push({ outcome, sentWhileDraining });
        if (outcome.kind === 'answer' && outcome.status === 200) seen('graphql 200');
      }
    }
  };
  const poller = async () => {
    while (!refused) {
      const outcome = await send(`${origin}/ready`);
      if (outcome.kind === 'refused') {
        refused = true;
        seen('refused');
        listenerClosed();
      } else if (outcome.kind === 'answer') {
        const status = (JSON.parse(outcome.body) as { status: string }).status;
        seen(`ready ${outcome.status} ${status}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const load = Promise.all([poller(), ...Array.from({ length: workers }, worker)]);
  while (!events.includes('graphql 200')) await new Promise((resolve) => setTimeout(resolve, 10));
  started.child.kill('SIGTERM');
  await load;
  const last = await inFlight;
  const preopened = await early;
  const code = await started.exited;
  seen('exited');
  keepAlive.destroy();
  return {
    events,
    answers,
    resetAtClose,
    workers,
    last,
    preopened,
    code,
    idleSocketClosed,
    log: messages(started.output()),
  };
}

function expectDrained(result: Awaited<ReturnType<typeof drainUnderLoad>>, title: string) {
  const { events, answers, last, code, log } = result;
  expect(code).toBe(0);
  // /ready turned 503 before the listener closed, and GraphQL was still answered in between.
  const draining = events.indexOf('ready 503 draining');
  const refused = events.indexOf('refused');
  expect(events.indexOf('ready 200 ready')).toBeLessThan(draining);
  expect(draining).toBeGreaterThan(-1);
  expect(draining).toBeLessThan(refused);
  expect(answers.some((answer) => answer.sentWhileDraining && answer.outcome.kind === 'answer')).toBe(true);
  // Every request it accepted got a whole 200 answer: no reset, no cut answer, no 5xx.
  for (const { outcome } of answers) {
    expect(outcome).toMatchObject({ kind: 'answer', status: 200 });
    if (outcome.kind === 'answer') expect(JSON.parse(outcome.body).errors).toBeUndefined();
  }
  // A connection the kernel completed but the process had not yet taken when its listener closed
  // is reset by the kernel: from here it looks like any reset, so at most one per worker, as its
  // last before a refused connection, is not counted against the drain.
  expect(result.resetAtClose.length).toBeLessThanOrEqual(result.workers);
  // A connection opened before the close whose request came after: answered, then closed.
  expect(result.preopened).toMatchObject({ kind: 'answer', status: 200, connection: 'close' });
  // The request in flight when the listener closed was answered, told to close its connection.
  expect(last).toMatchObject({ kind: 'answer', status: 200, connection: 'close' });
  if (last.kind === 'answer') expect(JSON.parse(last.body).errors).toBeUndefined();
  // The idle keep-alive connection was closed, not left to its keep-alive timeout.
  expect(result.idleSocketClosed).toBe(true);
  expect(events.indexOf('idle keep-alive connection closed')).toBeLessThan(events.indexOf('exited'));
  expect(events.indexOf('silent connection closed')).toBeGreaterThan(events.indexOf('refused'));
  expect(events.indexOf('silent connection closed')).toBeLessThan(events.indexOf('exited'));
  // Each step logged, in order.
  const steps = [
    `${title} draining: /ready answers 503, requests still served`,
    `${title} closing its listener: no new connections, requests in flight finish`,
    `${title} listener closed, requests in flight answered`,
    `${title} closed`,
  ];
  expect(log.filter((message) => steps.includes(message))).toEqual(steps);
}

describe('SIGTERM drains before stopping', () => {
  it('the gateway: /ready 503 while GraphQL is answered, then refused, every accepted request answered, exit 0', async () => {
    const result = await drainUnderLoad({
      script: 'gateway/main.ts',
      title: 'gateway',
      env: {
        GATEWAY_PORT: '0',
        ...stack.auth.env,
        ERP_SUBGRAPH_URL: stack.erpSubgraphUrl,
        CRM_SUBGRAPH_URL: stack.crmSubgraphUrl,
        WORKFLOWS_SUBGRAPH_URL: stack.workflowsSubgraphUrl,
        REPORTS_SUBGRAPH_URL: stack.reportsSubgraphUrl,
        // Every request goes through to the subgraphs.
        RESPONSE_CACHE: 'off',
        GATEWAY_COALESCING: 'off',
      },
      query: '{ customers(first: 2) { edges { node { id name balance { amount } } } } }',
      headers: async () => ({ authorization: `Bearer ${await stack.tokenFor()}` }),
    });
    expectDrained(result, 'gateway');
  });

  it('a subgraph (ERP, over the stand-in): the same', async () => {
    const result = await drainUnderLoad({
      script: 'subgraphs/erp/main.ts',
      title: 'ERP subgraph',
      env: {
        ERP_SUBGRAPH_PORT: '0',
        ...stack.auth.env,
        ERP_URL: stack.erpLegacyUrl,
        ERP_TOKEN,
        ERP_COMPANY_ID: stack.dataset.summary.companyId,
        LEGACY_CACHE: 'off',
      },
      query: '{ products(first: 2) { edges { node { sku } } } }',
      headers: async () => stack.auth.subgraphHeaders(await stack.tokenFor()),
    });
    expectDrained(result, 'ERP subgraph');
  });
});

describe('stopping without the drain period', () => {
  it('SIGINT stops at once: no drain period, exit 0', async () => {
    const started = run('gateway/main.ts', { GATEWAY_PORT: '0', SHUTDOWN_DRAIN_MS: '600000' });
    await started.origin;
    started.child.kill('SIGINT');
    expect(await started.exited).toBe(0);
    const log = messages(started.output());
    expect(log).not.toContain('gateway draining: /ready answers 503, requests still served');
    expect(log).toContain('gateway closed');
  });

  it('a second SIGTERM during the drain period ends it: exit 0', async () => {
    const started = run('gateway/main.ts', { GATEWAY_PORT: '0', SHUTDOWN_DRAIN_MS: '600000' });
    const origin = await started.origin;
    started.child.kill('SIGTERM');
    // No subgraph runs here: /ready said 503 'not ready' before; now it says why it is 503.
    let ready: Outcome;
    do ready = await send(`${origin}/ready`);
    while (!(ready.kind === 'answer' && JSON.parse(ready.body).status === 'draining'));
    expect(ready).toMatchObject({ status: 503 });
    expect((await send(`${origin}/health`)).kind === 'answer').toBe(true);
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    const log = messages(started.output());
    expect(log.indexOf('gateway: drain period cut short')).toBeLessThan(log.indexOf('gateway closed'));
    expect(log.indexOf('gateway: drain period cut short')).toBeGreaterThan(-1);
  });

  it('SHUTDOWN_DRAIN_MS out of range stops it with exit code 2 naming the variable', async () => {
    const started = run('gateway/main.ts', { GATEWAY_PORT: '0', SHUTDOWN_DRAIN_MS: 'soon' });
    expect(await started.exited).toBe(2);
    expect(started.errors()).toContain('SHUTDOWN_DRAIN_MS');
  });
});

describe('npm start (scripts/start.ts, everything in one process)', () => {
  it('SIGTERM: the gateway and the subgraphs answer /ready 503 while GraphQL is served, then it exits 0', async () => {
    const started = run('scripts/start.ts', {
      GATEWAY_PORT: '0',
      ERP_SUBGRAPH_PORT: '0',
      CRM_SUBGRAPH_PORT: '0',
      WORKFLOWS_SUBGRAPH_PORT: '0',
      REPORTS_SUBGRAPH_PORT: '0',
      ERP_PORT: '0',
      CRM_PORT: '0',
      AUTH_DEV_ISSUER_PORT: '0',
      DATA_CUSTOMERS: '40',
      SHUTDOWN_DRAIN_MS: '600000',
    });
    let output = '';
    while (!/customer-graph ready: .*\n[\s\S]*CRM: .*subgraph (\S+)\n/.test(output)) {
      if (started.child.exitCode !== null)
        throw new Error(`npm start exited:\n${output}\n${started.errors()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      output = started.output();
    }
    const gateway = /customer-graph ready: http:\/\/localhost:(\d+)\/graphql/.exec(output)![1]!;
    const erp = /ERP: .*subgraph (http:\/\/\S+)\/graphql/.exec(output)![1]!;
    const token = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/token.ts', '--sub', 'drain-test', '--scopes', 'customer:read'],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
        encoding: 'utf8',
      },
    ).stdout.trim();
    const origin = `http://127.0.0.1:${gateway}`;
    const query = () =>
      send(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ customers(first: 2) { edges { node { id name } } } }' }),
      });
    expect(await query()).toMatchObject({ kind: 'answer', status: 200 });

    started.child.kill('SIGTERM');
    let ready: Outcome;
    do ready = await send(`${origin}/ready`);
    while (!(ready.kind === 'answer' && ready.status === 503));
    expect(JSON.parse(ready.body)).toEqual({ status: 'draining' });
    expect(await send(`${erp}/ready`)).toMatchObject({
      kind: 'answer',
      status: 503,
      body: '{"status":"draining"}',
    });
    const whileDraining = await query();
    expect(whileDraining).toMatchObject({ kind: 'answer', status: 200 });
    if (whileDraining.kind === 'answer') expect(JSON.parse(whileDraining.body).errors).toBeUndefined();
    // The drain period (600 s here) ended by a second signal; then the listeners close.
    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    expect(await send(`${origin}/ready`)).toEqual({ kind: 'refused' });
    const steps = [
      'customer-graph draining: /ready answers 503, requests still served',
      'customer-graph: drain period cut short',
      'customer-graph closing its listener: no new connections, requests in flight finish',
      'customer-graph listener closed, requests in flight answered',
      'customer-graph closed',
    ];
    expect(messages(started.output()).filter((message) => steps.includes(message))).toEqual(steps);
  });
});
