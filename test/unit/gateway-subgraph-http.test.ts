import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubgraphResponse, sendToSubgraph } from '../../gateway/subgraphHttp.js';

let server: Server;
let base: string;
const dispatcher = new Agent({ connections: 2 });
const received: { method?: string; headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (req.url === '/slow') return; // never answers
      if (req.url === '/down') {
        res.writeHead(503, { 'content-type': 'text/plain' });
        return res.end('down');
      }
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=5' });
      res.end('{"data":{"ok":true}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await dispatcher.close();
});

describe('sendToSubgraph', () => {
  it('sends the method, headers and body, and answers as Apollo reads a fetch Response', async () => {
    const response = await sendToSubgraph(
      `${base}/graphql`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'r1' },
        body: '{"query":"{ok}"}',
      },
      dispatcher,
      AbortSignal.timeout(5000),
    );
    expect(received.at(-1)).toMatchObject({ method: 'POST', body: '{"query":"{ok}"}' });
    expect(received.at(-1)?.headers['x-request-id']).toBe('r1');
    expect(response).toMatchObject({ ok: true, status: 200, statusText: 'OK', url: `${base}/graphql` });
    expect(response.headers.get('Content-Type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('max-age=5');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    // Each parse is its own object.
    const [first, second] = [await response.json(), await response.json()];
    expect(first).toEqual({ data: { ok: true } });
    expect(first).not.toBe(second);
    expect(await response.text()).toBe('{"data":{"ok":true}}');
  });

  it('answers a failure status as fetch did (not ok, its reason phrase, the body readable)', async () => {
    const response = await sendToSubgraph(
      `${base}/down`,
      { body: '{}' },
      dispatcher,
      AbortSignal.timeout(5000),
    );
    expect(response).toMatchObject({ ok: false, status: 503, statusText: 'Service Unavailable' });
    expect(await response.text()).toBe('down');
    await expect(response.json()).rejects.toThrow(SyntaxError);
  });

  it("gives up when the signal fires, with the signal's TimeoutError (what the data source reports as a timeout)", async () => {
    const error = await sendToSubgraph(
      `${base}/slow`,
      { body: '{}' },
      dispatcher,
      AbortSignal.timeout(100),
    ).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('TimeoutError');
  });

  it("keeps a shared answer's pairs as given", () => {
    const response = new SubgraphResponse('u', 200, [['content-type', 'application/json']], '{}');
    expect([...response.headers]).toEqual([['content-type', 'application/json']]);
  });
});
