import { createHash, randomUUID } from 'node:crypto';
import type {
  ApolloServerPlugin,
  GraphQLRequest,
  GraphQLRequestContext,
  GraphQLResponse,
} from '@apollo/server';
import { callerVisibility } from '../../lib/auth/principal.js';
import { type LegacyCache, visibilityScope } from '../../lib/legacyCache.js';
import type { GatewayContext } from '../context.js';

/**
 * Whole answers of identical queries, kept for a short TTL in the shared cache (memory, or
 * Redis shared by every gateway replica), so a dashboard that polls the same operation costs
 * the subgraphs and the legacy systems nothing until the TTL ends.
 *
 * What is never cached: mutations, answers with any error (a partial answer during an outage
 * must not outlive it), and answers for a caller who may see something else — the key holds
 * what decides the caller's view (their scopes and their CRM user: whose customers a sales:own
 * caller sees, who `me` is), never the token, so the callers of one view share answers and a new
 * token of the same caller hits. Every mutation through the gateway starts a new generation, so
 * answers cached before a write are not served after it (on every replica, when the cache is Redis).
 *
 * Refresh ahead: an answer read in the last part of its TTL (the cache's `refreshAhead`) is
 * served, and the operation is run again in the background for the caller who read it, so a
 * popular answer is replaced before it expires instead of going cold for everyone at once.
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
  /**
   * Runs the operation again for the same caller, in the background (a refresh ahead of expiry):
   * through the whole gateway, with `refreshing` set in the context so that it reads no cached
   * answer and stores what it gets. Absent: no refresh ahead.
   */
  refresh?: (request: GraphQLRequest, context: GatewayContext) => Promise<GraphQLResponse>;
}

/** What is stored: the answer and when it expires (for refresh ahead). */
interface CachedAnswer {
  body: GraphQLResponse['body'] & { kind: 'single' };
  expiresAt: number;
}

const GENERATION_KEY = 'gateway:response-generation';
/** A generation key lives long enough to outlast every answer cached under it. */
const GENERATION_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Says where an answer came from (tests and operators read it): `hit` from the cache, `miss`
 * executed and stored, `coalesced` shared from an identical query in flight (stored by that one).
 */
export const RESPONSE_CACHE_HEADER = 'x-response-cache';

export function responseCachePlugin(options: ResponseCacheOptions): ApolloServerPlugin<GatewayContext> {
  const { cache, ttlMs, refresh } = options;
  const { refreshAhead } = cache;

  async function currentGeneration(): Promise<string> {
    const existing = await cache.get<string>(GENERATION_KEY);
    if (existing !== undefined) return existing;
    const fresh = randomUUID();
    await cache.set(GENERATION_KEY, fresh, GENERATION_TTL_MS);
    return fresh;
  }

  async function keyOf(context: GraphQLRequestContext<GatewayContext>): Promise<string> {
    const { request } = context;
    const caller = visibilityScope(callerVisibility(context.contextValue.principal));
    const operation = createHash('sha256')
      .update(JSON.stringify([request.query ?? '', request.operationName ?? null, request.variables ?? {}]))
      .digest('base64url');
    return `gateway:response:v2:${await currentGeneration()}:${caller}:${operation}`;
  }

  return {
    async requestDidStart() {
      let storeUnder: string | undefined;
      return {
        async responseForOperation(context): Promise<GraphQLResponse | null> {
          if (context.operation.operation !== 'query') return null;
          const key = await keyOf(context);
          storeUnder = key;
          // A refresh runs the operation for real: it stores what it gets, whatever is cached.
          if (context.contextValue.refreshing) return null;
          const cached = await cache.get<CachedAnswer>(key);
          if (cached === undefined) return null;
          storeUnder = undefined;
          if (refresh && refreshAhead.due(cached.expiresAt, ttlMs)) {
            const { request, contextValue } = context;
            refreshAhead.schedule([key], async () => {
              const refreshed = await refresh(request, {
                ...contextValue,
                logger: contextValue.logger.child({ refreshAhead: true }),
                refreshing: true,
              });
              const { body } = refreshed;
              // An answer with errors is not stored (see willSendResponse): a failed refresh.
              if (body.kind !== 'single' || (body.singleResult.errors?.length ?? 0) > 0) {
                throw new Error('the refreshed answer has errors; the cached one stays until it expires');
              }
            });
          }
          context.response.http.headers.set(RESPONSE_CACHE_HEADER, 'hit');
          return { http: context.response.http, body: cached.body };
        },
        async willSendResponse(context) {
          if (context.operation?.operation === 'mutation') {
            await cache.set(GENERATION_KEY, randomUUID(), GENERATION_TTL_MS);
            return;
          }
          const { body } = context.response;
          if (storeUnder === undefined || body.kind !== 'single') return;
          if (context.contextValue.coalesced) {
            context.response.http.headers.set(RESPONSE_CACHE_HEADER, 'coalesced');
            return;
          }
          if (body.singleResult.errors !== undefined && body.singleResult.errors.length > 0) return;
          context.response.http.headers.set(RESPONSE_CACHE_HEADER, 'miss');
          await cache.set(
            storeUnder,
            { body, expiresAt: refreshAhead.expiresAt(ttlMs) } satisfies CachedAnswer,
            ttlMs,
          );
        },
      };
    },
  };
}
