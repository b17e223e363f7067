import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Fault, type SimConfig, Simulator } from '../../legacy/sim/simulator.js';

// The simulator is exercised over real HTTP because admit() works on the socket (resets) and
// on the response (faults, corrupted bodies).
let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(sim: Simulator): Promise<string> {
  server = createServer(async (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (await sim.handleControl(req, res, pathname)) return;
    if (!(await sim.admit(req, res, `${req.method} ${pathname}`))) return;
    const body = JSON.stringify({ value: [1, 2, 3], path: pathname });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

const renderFault = (res: import('node:http').ServerResponse, fault: Fault) => {
  const status = fault.kind === 'outage' ? 503 : fault.kind === 'throttle' ? 429 : fault.status;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (fault.kind === 'throttle' && fault.retryAfterSeconds !== null)
    headers['retry-after'] = String(fault.retryAfterSeconds);
  res.writeHead(status, headers);
  res.end(JSON.stringify({ fault: fault.kind }));
};

describe('simulator', () => {
  it('counts requests per route and resets', async () => {
    const base = await serve(new Simulator(renderFault));
    await fetch(`${base}/a`);
    await fetch(`${base}/a`);
    await fetch(`${base}/b`, { method: 'POST' });
    const stats = await (await fetch(`${base}/__sim/stats`)).json();
    expect(stats).toEqual({
      total: 3,
      byRoute: { 'GET /a': 2, 'POST /b': 1 },
      roundTrips: 3,
      sequentialDepth: 3,
    });
    await fetch(`${base}/__sim/reset`, { method: 'POST' });
    expect(await (await fetch(`${base}/__sim/stats`)).json()).toEqual({
      total: 0,
      byRoute: {},
      roundTrips: 0,
      sequentialDepth: 0,
    });
  });

  it('measures how many round trips a client made in sequence', async () => {
    const sim = new Simulator(renderFault, { latencyMs: 20 });
    const base = await serve(sim);
    await Promise.all([fetch(`${base}/a`), fetch(`${base}/a`), fetch(`${base}/a`)]);
    await fetch(`${base}/b`);
    await Promise.all([fetch(`${base}/c`), fetch(`${base}/c`)]);
    expect(sim.getStats()).toMatchObject({ roundTrips: 6, sequentialDepth: 3 });
  });

  it('sets config at run time and refuses unknown or invalid settings', async () => {
    const base = await serve(new Simulator(renderFault));
    const set = await fetch(`${base}/__sim/config`, {
      method: 'POST',
      body: JSON.stringify({ outage: true }),
    });
    expect(((await set.json()) as SimConfig).outage).toBe(true);
    expect((await fetch(`${base}/x`)).status).toBe(503);
    const unknown = await fetch(`${base}/__sim/config`, {
      method: 'POST',
      body: JSON.stringify({ latency: 5 }),
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toContain('latency');
    const invalid = await fetch(`${base}/__sim/config`, {
      method: 'POST',
      body: JSON.stringify({ errorRate: 2 }),
    });
    expect(invalid.status).toBe(400);
    expect(((await (await fetch(`${base}/__sim/config`)).json()) as SimConfig).errorRate).toBe(0);
  });

  it('throttles beyond N requests per window, with and without Retry-After', async () => {
    const sim = new Simulator(renderFault, { throttleAfter: 2, throttleWindowMs: 60_000 });
    const base = await serve(sim);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${base}/x`)).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect((await fetch(`${base}/x`)).headers.get('retry-after')).toBe('1');
    sim.setConfig({ throttleRetryAfterSeconds: null });
    expect((await fetch(`${base}/x`)).headers.get('retry-after')).toBeNull();
  });

  it('injects the same faults for the same seed', async () => {
    const draw = async () => {
      const base = await serve(new Simulator(renderFault, { errorRate: 0.5, errorStatus: 502, seed: 7 }));
      const statuses = [];
      for (let i = 0; i < 20; i++) statuses.push((await fetch(`${base}/x`)).status);
      await new Promise<void>((resolve) => server!.close(() => resolve()));
      server = undefined;
      return statuses;
    };
    const first = await draw();
    expect(first).toContain(502);
    expect(first).toContain(200);
    expect(await draw()).toEqual(first);
  });

  it('cuts bodies in half when asked for malformed JSON, and resets connections', async () => {
    const sim = new Simulator(renderFault, { malformedRate: 1 });
    const base = await serve(sim);
    const text = await (await fetch(`${base}/x`)).text();
    expect(() => JSON.parse(text)).toThrow();
    expect(text.length).toBeGreaterThan(0);
    sim.setConfig({ malformedRate: 0, connectionResetRate: 1 });
    await expect(fetch(`${base}/x`)).rejects.toThrow();
  });
});
