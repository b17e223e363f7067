import { createClient } from '@keyv/redis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../lib/logger.js';

export interface RateLimitSettings {
  /** Requests one caller (token subject) may make per window; 0: no limit. */
  requests: number;
  windowS: number;
  /** Redis key prefix: replicas that share it share the counts. */
  keyPrefix: string;
}

export interface RateDecision {
  allowed: boolean;
  /** Requests the caller made in the current window, this one included (a refusal from memory: the limit + 1, at least). */
  used: number;
  /** Seconds until the window ends and the caller may send again. */
  retryAfterS: number;
}

/** Counts each caller's requests in fixed windows; shared between replicas through Redis when one is given. */
export interface CallerRateLimiter {
  readonly store: 'memory' | 'redis';
  /** Counts one request of `subject` and says whether it is within the limit. */
  take(subject: string): Promise<RateDecision>;
  close(): Promise<void>;
}

/**
 * rate-limiter-flexible over the node-redis client the project already has (@keyv/redis), or
 * in memory. A Redis that is down or not yet connected never blocks or fails a request: each
 * replica then counts in its own memory (the library's insurance limiter) until Redis is back, so
 * the limit holds per replica meanwhile.
 */
export function createCallerRateLimiter(
  settings: RateLimitSettings,
  deps: { redisUrl?: string; logger: Logger },
): CallerRateLimiter {
  const options = { points: settings.requests, duration: settings.windowS, keyPrefix: settings.keyPrefix };
  const memory = new RateLimiterMemory(options);
  if (!deps.redisUrl) return limiterOver(memory, 'memory', deps.logger, async () => undefined);

  const client = createClient({ url: deps.redisUrl, socket: { connectTimeout: 2000 } });
  let warned = false;
  client.on('error', (error: unknown) => {
    // Reconnection is the client's job; one line per outage is enough.
    if (!warned) deps.logger.warn({ err: error }, 'rate limit: Redis unreachable, counting in memory');
    warned = true;
  });
  client.on('ready', () => {
    warned = false;
  });
  // Not awaited: a gateway starts, and serves, while Redis is away (counting in memory meanwhile).
  client.connect().catch(() => undefined);
  const redis = new RateLimiterRedis({
    ...options,
    storeClient: client,
    useRedisPackage: true,
    rejectIfRedisNotReady: true,
    insuranceLimiter: memory,
    // A caller over its limit is refused from memory for the rest of the window: no Redis call.
    inMemoryBlockOnConsumed: settings.requests + 1,
  });
  return limiterOver(redis, 'redis', deps.logger, async () => {
    // A client still trying to (re)connect would wait for Redis to close gracefully: drop it.
    if (client.isReady) await client.close();
    else if (client.isOpen) client.destroy();
  });
}

function limiterOver(
  limiter: RateLimiterMemory | RateLimiterRedis,
  store: CallerRateLimiter['store'],
  logger: Logger,
  close: () => Promise<void>,
): CallerRateLimiter {
  return {
    store,
    async take(subject) {
      try {
        const result = await limiter.consume(subject, 1);
        return { allowed: true, used: result.consumedPoints, retryAfterS: secondsOf(result.msBeforeNext) };
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) {
          return {
            allowed: false,
            // A caller already refused in this window is refused from memory, without a count.
            used: refusal.consumedPoints || limiter.points + 1,
            retryAfterS: secondsOf(refusal.msBeforeNext),
          };
        }
        // Not a refusal but a failure of the counting itself: serve rather than refuse everyone.
        logger.warn({ err: refusal }, 'rate limit: could not count the request; served');
        return { allowed: true, used: 0, retryAfterS: 0 };
      }
    },
    close,
  };
}

function secondsOf(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
