import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The part of a stand-in that is not the emulated protocol: request counters, latency and
 * injected faults, read and set under `/__sim/` at run time. Both stand-ins use it; each renders
 * a fault in its own protocol's shape (see {@link FaultRenderer}).
 */
export interface SimConfig {
  /** Added to every protocol request before it is answered. */
  latencyMs: number;
  /** Uniform ± spread around latencyMs. */
  jitterMs: number;
  /** Share (0..1) of protocol requests answered with `errorStatus` instead. */
  errorRate: number;
  errorStatus: number;
  /** When set, requests beyond this many within `throttleWindowMs` are throttled. */
  throttleAfter: number | null;
  throttleWindowMs: number;
  /** Retry-After seconds sent with a throttled answer; null sends none (BC sometimes does). */
  throttleRetryAfterSeconds: number | null;
  /** Every protocol request answers 503. */
  outage: boolean;
  /** Share (0..1) of answers whose JSON body is cut off mid-way. */
  malformedRate: number;
  /** Share (0..1) of requests whose connection is reset without an answer. */
  connectionResetRate: number;
  /** Seed for the fault and jitter draws: same seed and request order, same faults. */
  seed: number;
  /** Lifetime of the access tokens the token endpoint issues from now on (Entra's `expires_in`). */
  tokenLifetimeS: number;
  /** The token endpoint refuses every request, as for a revoked secret or connected app. */
  refuseTokens: boolean;
}

export const DEFAULT_SIM_CONFIG: Readonly<SimConfig> = {
  latencyMs: 0,
  jitterMs: 0,
  errorRate: 0,
  errorStatus: 500,
  throttleAfter: null,
  throttleWindowMs: 1000,
  throttleRetryAfterSeconds: 1,
  outage: false,
  malformedRate: 0,
  connectionResetRate: 0,
  seed: 1,
  tokenLifetimeS: 3599,
  refuseTokens: false,
};

export type Fault =
  | { kind: 'outage' }
  | { kind: 'error'; status: number }
  | { kind: 'throttle'; retryAfterSeconds: number | null };

/** Writes a fault as the emulated system would answer it. */
export type FaultRenderer = (res: ServerResponse, fault: Fault) => void;

export interface SimStats {
  /** Requests served, including those inside an envelope ($batch parts, composite subrequests). */
  total: number;
  byRoute: Record<string, number>;
  /** HTTP round trips: envelopes count once. This is what a client pays latency for. */
  roundTrips: number;
  /**
   * The longest chain of round trips where each started after the previous one had answered:
   * the calls a client made in sequence. Times the configured latency, it is the floor under
   * the client's own latency.
   */
  sequentialDepth: number;
}

/** Round trips since the last reset, as wall-clock intervals (see {@link Simulator.getTrace}). */
export interface SimTrace {
  roundTrips: { start: number; end: number | null }[];
}

/** Round trips remembered for {@link SimStats.sequentialDepth}; older ones are dropped. */
const MAX_TRACED_ROUND_TRIPS = 100_000;

/** mulberry32: small, fast, seedable; good enough for fault draws. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Simulator {
  private config: SimConfig;
  private random: () => number;
  private stats = { total: 0, byRoute: {} as Record<string, number> };
  private roundTrips: { start: number; end: number }[] = [];
  private windowStart = Date.now();
  private windowCount = 0;
  private readonly tokenStores: { expireAll(): number }[] = [];

  constructor(
    private readonly renderFault: FaultRenderer,
    initial: Partial<SimConfig> = {},
  ) {
    this.config = { ...DEFAULT_SIM_CONFIG, ...initial };
    this.random = seededRandom(this.config.seed);
  }

  getConfig(): SimConfig {
    return { ...this.config };
  }

  setConfig(patch: Partial<SimConfig>): SimConfig {
    const next = { ...this.config, ...patch };
    validateConfig(next);
    if (patch.seed !== undefined) this.random = seededRandom(next.seed);
    this.config = next;
    return this.getConfig();
  }

  getStats(): SimStats {
    return {
      total: this.stats.total,
      byRoute: { ...this.stats.byRoute },
      roundTrips: this.roundTrips.length,
      sequentialDepth: sequentialDepth(this.roundTrips),
    };
  }

  /**
   * The recorded round trips as wall-clock intervals (ms since the epoch: `performance.timeOrigin`
   * plus the monotonic offsets), so that traces of several processes can be merged and given to
   * {@link sequentialDepth} together. An answer still in flight has `end: null`.
   */
  getTrace(): SimTrace {
    const origin = performance.timeOrigin;
    return {
      roundTrips: this.roundTrips.map((trip) => ({
        start: origin + trip.start,
        end: Number.isFinite(trip.end) ? origin + trip.end : null,
      })),
    };
  }

  /** Token stores `POST /__sim/expire-tokens` revokes (the stand-in's issued tokens). */
  attachTokens(store: { expireAll(): number }): void {
    this.tokenStores.push(store);
  }

  reset(): void {
    this.stats = { total: 0, byRoute: {} };
    this.roundTrips = [];
    this.windowStart = Date.now();
    this.windowCount = 0;
    this.random = seededRandom(this.config.seed);
  }

  /**
   * Handles `/__sim/*`. Returns false for any other path so the stand-in answers it.
   */
  async handleControl(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    if (!pathname.startsWith('/__sim/')) return false;
    const route = `${req.method} ${pathname}`;
    try {
      if (route === 'GET /__sim/stats') return sendJson(res, 200, this.getStats());
      if (route === 'GET /__sim/trace') return sendJson(res, 200, this.getTrace());
      if (route === 'POST /__sim/reset') {
        this.reset();
        return sendJson(res, 200, this.getStats());
      }
      if (route === 'GET /__sim/config') return sendJson(res, 200, this.getConfig());
      if (route === 'POST /__sim/expire-tokens') {
        req.resume();
        const expired = this.tokenStores.reduce((sum, store) => sum + store.expireAll(), 0);
        return sendJson(res, 200, { expired });
      }
      if (route === 'POST /__sim/config') {
        const body = await readBody(req);
        let patch: unknown;
        try {
          patch = body.length === 0 ? {} : JSON.parse(body);
        } catch {
          return sendJson(res, 400, { error: 'body is not JSON' });
        }
        if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
          return sendJson(res, 400, { error: 'body must be a JSON object of SimConfig fields' });
        }
        const unknown = Object.keys(patch).filter((k) => !(k in DEFAULT_SIM_CONFIG));
        if (unknown.length > 0)
          return sendJson(res, 400, { error: `unknown setting(s): ${unknown.join(', ')}` });
        return sendJson(res, 200, this.setConfig(patch as Partial<SimConfig>));
      }
      return sendJson(res, 404, { error: `no control route ${route}` });
    } catch (error) {
      return sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  /**
   * Counts a request served inside another one (a part of an OData `$batch` or a Salesforce
   * composite): it shows in the stats, while latency and faults apply once to the envelope.
   */
  count(routePattern: string): void {
    this.stats.total += 1;
    this.stats.byRoute[routePattern] = (this.stats.byRoute[routePattern] ?? 0) + 1;
  }

  /**
   * Counts a protocol request under its route pattern (e.g. `GET /customers`), waits the
   * configured latency and draws faults. Returns true when the request may be answered
   * normally; false when the simulator already answered (or dropped) it.
   */
  async admit(req: IncomingMessage, res: ServerResponse, routePattern: string): Promise<boolean> {
    this.stats.total += 1;
    this.stats.byRoute[routePattern] = (this.stats.byRoute[routePattern] ?? 0) + 1;
    this.traceRoundTrip(res);
    const { latencyMs, jitterMs } = this.config;
    const delay = latencyMs + (jitterMs > 0 ? (this.random() * 2 - 1) * jitterMs : 0);
    if (delay > 0) await sleep(delay);

    const c = this.config;
    if (c.outage) {
      this.renderFault(res, { kind: 'outage' });
      return false;
    }
    if (c.throttleAfter !== null) {
      const now = Date.now();
      if (now - this.windowStart >= c.throttleWindowMs) {
        this.windowStart = now;
        this.windowCount = 0;
      }
      this.windowCount += 1;
      if (this.windowCount > c.throttleAfter) {
        this.renderFault(res, { kind: 'throttle', retryAfterSeconds: c.throttleRetryAfterSeconds });
        return false;
      }
    }
    if (c.connectionResetRate > 0 && this.random() < c.connectionResetRate) {
      req.socket.destroy();
      return false;
    }
    if (c.errorRate > 0 && this.random() < c.errorRate) {
      this.renderFault(res, { kind: 'error', status: c.errorStatus });
      return false;
    }
    if (c.malformedRate > 0 && this.random() < c.malformedRate) {
      corruptJsonBody(res);
    }
    return true;
  }

  private traceRoundTrip(res: ServerResponse): void {
    if (this.roundTrips.length >= MAX_TRACED_ROUND_TRIPS) this.roundTrips.shift();
    const trip = { start: performance.now(), end: Number.POSITIVE_INFINITY };
    this.roundTrips.push(trip);
    res.once('close', () => {
      trip.end = performance.now();
    });
  }
}

/**
 * Longest chain of intervals each starting after the previous one ended (intervals that overlap
 * ran in parallel). One sweep over start and end events in time order; at equal times ends
 * come first, so a call made the moment another answered counts as following it.
 */
export function sequentialDepth(trips: readonly { start: number; end: number }[]): number {
  const events: { time: number; isEnd: boolean; index: number }[] = [];
  trips.forEach((trip, index) => {
    events.push({ time: trip.start, isEnd: false, index });
    if (Number.isFinite(trip.end)) events.push({ time: trip.end, isEnd: true, index });
  });
  events.sort((a, b) => a.time - b.time || Number(b.isEnd) - Number(a.isEnd));
  const depthOf = new Array<number>(trips.length).fill(0);
  let deepestEnded = 0;
  let deepest = 0;
  for (const event of events) {
    if (event.isEnd) {
      deepestEnded = Math.max(deepestEnded, depthOf[event.index] ?? 0);
    } else {
      const depth = deepestEnded + 1;
      depthOf[event.index] = depth;
      deepest = Math.max(deepest, depth);
    }
  }
  return deepest;
}

function validateConfig(c: SimConfig): void {
  const nonNegative = ['latencyMs', 'jitterMs', 'throttleWindowMs'] as const;
  for (const key of nonNegative) {
    if (typeof c[key] !== 'number' || !Number.isFinite(c[key]) || c[key] < 0) {
      throw new Error(`${key} must be a number >= 0`);
    }
  }
  for (const key of ['errorRate', 'malformedRate', 'connectionResetRate'] as const) {
    if (typeof c[key] !== 'number' || c[key] < 0 || c[key] > 1)
      throw new Error(`${key} must be between 0 and 1`);
  }
  if (!Number.isInteger(c.errorStatus) || c.errorStatus < 400 || c.errorStatus > 599) {
    throw new Error('errorStatus must be an HTTP error status (400-599)');
  }
  if (c.throttleAfter !== null && (!Number.isInteger(c.throttleAfter) || c.throttleAfter < 0)) {
    throw new Error('throttleAfter must be a non-negative integer or null');
  }
  if (
    c.throttleRetryAfterSeconds !== null &&
    (typeof c.throttleRetryAfterSeconds !== 'number' || c.throttleRetryAfterSeconds < 0)
  ) {
    throw new Error('throttleRetryAfterSeconds must be a number >= 0 or null');
  }
  if (typeof c.outage !== 'boolean') throw new Error('outage must be a boolean');
  if (typeof c.refuseTokens !== 'boolean') throw new Error('refuseTokens must be a boolean');
  if (!Number.isInteger(c.tokenLifetimeS) || c.tokenLifetimeS < 0)
    throw new Error('tokenLifetimeS must be an integer >= 0');
  if (!Number.isInteger(c.seed)) throw new Error('seed must be an integer');
}

/**
 * Makes the answer's JSON body arrive cut in half, as a broken proxy would: the declared length
 * is dropped (chunked encoding) so the client sees a complete response with invalid JSON.
 */
function corruptJsonBody(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (
    status: number,
    headers?: Record<string, unknown>,
  ) => ServerResponse;
  const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
  const patched = res as unknown as {
    writeHead: (status: number, headers?: Record<string, unknown>) => ServerResponse;
    end: (chunk?: unknown) => ServerResponse;
  };
  patched.writeHead = (status, headers) => {
    const kept = Object.fromEntries(
      Object.entries(headers ?? {}).filter(([name]) => name.toLowerCase() !== 'content-length'),
    );
    res.removeHeader('Content-Length');
    return writeHead(status, kept);
  };
  patched.end = (chunk?: unknown) => {
    if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) {
      const text = chunk.toString();
      return end(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
    }
    return end(chunk);
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): true {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
  return true;
}

/** Reads a request body up to `limit` bytes (rejects beyond it). */
export function readBody(req: IncomingMessage, limit = 10 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error(`request body larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
