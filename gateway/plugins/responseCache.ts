import { createHash, randomUUID } from 'node:crypto';
import type { ApolloServerPlugin, GraphQLRequestContext, GraphQLResponse } from '@apollo/server';
import { type Principal, seesOnlyOwnCustomers } from '../../lib/auth/principal.js';
import { type LegacyCache, visibilityScope } from '../../lib/legacyCache.js';
import type { GatewayContext } from '../context.js';

/**
 * Whole answers of identical queries, kept for a short TTL in the shared cache (memory, or
 * Redis shared by every gateway replica), so a dashboard that polls the same operation costs
 * the subgraphs and the legacy systems nothing until the TTL ends.
 *
 * What is never cached: mutations, answers with any error (a partial answer during an outage
 * must not outlive it), and answers for a caller who may see something else — the key holds
 * what decides the caller's view (their scopes, and who they are when they see only their own
 * customers), never the token, so the callers of one role share answers and a new token of the
 * same caller hits. Every mutation through the gateway starts a new generation, so answers
 * cached before a write are not served after it (on every replica, when the cache is Redis).
 */
export interface ResponseCacheOptions {
  /** Where answers and the current generation live: memory, or Redis shared by every replica. No default. */
  cache: LegacyCache;
  /**
   * How long an answer is served again. Default (RESPONSE_CACHE_TTL_S in gateway/config.ts):
   * 10 s, the shortest TTL the subgraphs use for legacy records (balances, stock), so a cached
   * answer is never staler than what the subgraphs' own cache would give.
   */
  ttlMs: number;
}

const GENERATION_KEY = 'gateway:response-generation';
/** A generation key lives long enough to outlast every answer cached under it. */
const GENERATION_TTL_MS = 24 * 60 * 60 * 1000;

/** Marks an answer as served from the cache (tests and operators read it). */
export const RESPONSE_CACHE_HEADER = 'x-response-cache';

export function responseCachePlugin(options: ResponseCacheOptions): ApolloServerPlugin<GatewayContext> {
  const { cache, ttlMs } = options;

  async function currentGeneration(): Promise<string> {
    const existing = await cache.get<string>(GENERATION_KEY);
    if (existing !== undefined) return existing;
    const fresh = randomUUID();
    await cache.set(GENERATION_KEY, fresh, GENERATION_TTL_MS);
    return fresh;
  }

  async function keyOf(context: GraphQLRequestContext<GatewayContext>): Promise<string> {
    const { request } = context;
    const caller = visibilityScope(...visibilityOf(context.contextValue.principal));
    const operation = createHash('sha256')
      .update(JSON.stringify([request.query ?? '', request.operationName ?? null, request.variables ?? {}]))
      .digest('base64url');
    return `gateway:response:${await currentGeneration()}:${caller}:${operation}`;
  }

  return {
    async requestDidStart() {
      let storeUnder: string | undefined;
      return {
        async responseForOperation(context): Promise<GraphQLResponse | null> {
          if (context.operation.operation !== 'query') return null;
          const key = await keyOf(context);
          const cached = await cache.get<GraphQLResponse['body'] & { kind: 'single' }>(key);
          if (cached === undefined) {
            storeUnder = key;
            return null;
          }
          context.response.http.headers.set(RESPONSE_CACHE_HEADER, 'hit');
          return { http: context.response.http, body: cached };
        },
        async willSendResponse(context) {
          if (context.operation?.operation === 'mutation') {
            await cache.set(GENERATION_KEY, randomUUID(), GENERATION_TTL_MS);
            return;
          }
          const { body } = context.response;
          if (storeUnder === undefined || body.kind !== 'single') return;
          if (body.singleResult.errors !== undefined && body.singleResult.errors.length > 0) return;
          context.response.http.headers.set(RESPONSE_CACHE_HEADER, 'miss');
          await cache.set(storeUnder, body, ttlMs);
        },
      };
    },
  };
}

/** What decides which answer a caller gets: the scopes (the fields they may see) and, for sales:own, whose customers. */
function visibilityOf(principal: Principal): string[] {
  const scopes = [...principal.scopes].sort();
  return seesOnlyOwnCustomers(principal) ? [...scopes, `owner:${principal.crmUser ?? ''}`] : scopes;
}
