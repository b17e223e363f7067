import { type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { type DocumentNode, type FragmentDefinitionNode, GraphQLError, Kind } from 'graphql';
import type { ERROR_CODES } from '../../lib/errors.js';
import type { GatewayContext } from '../context.js';
import { type CostModel, costMemo } from '../cost.js';
import type { DemandControlConfig } from '../demandControlConfig.js';
import type { CallerRateLimiter } from '../rateLimit.js';

export interface DemandControlOptions {
  config: DemandControlConfig;
  /** The supergraph's cost directives (gateway/cost.ts). */
  costModel: CostModel;
  /** Counts each caller's requests; absent: no rate limit. */
  rateLimiter?: CallerRateLimiter;
}

/** The key a caller without a principal is counted under (only before authentication is configured). */
const ANONYMOUS = 'anonymous';

/**
 * The caller's rate limit, then the operation's estimated cost, checked once the operation is
 * known and before the query planner runs, so a refused operation reaches no subgraph. A plugin
 * rather than a validation rule like the depth and alias limits: the cost depends on the
 * variables (`first: $first`), which validation does not see, and Apollo skips validation for a
 * document it has seen before. In `report` mode both are logged with their figures and served.
 */
export function demandControlPlugin(options: DemandControlOptions): ApolloServerPlugin<GatewayContext> {
  const { config, costModel, rateLimiter } = options;
  const report = config.mode === 'report';
  const fragmentsOf = fragmentTable();
  const estimateCost = costMemo(costModel);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, contextValue, operationName }) {
          const subject = contextValue.principal?.subject ?? ANONYMOUS;
          const logger = contextValue.logger;
          // A background refresh is the gateway's work, not the caller's: it is not counted.
          if (rateLimiter && !contextValue.refreshing) {
            const decision = await rateLimiter.take(subject);
            if (!decision.allowed) {
              const { requests, windowS } = config.rateLimit;
              const figures = {
                subject,
                operationName,
                limit: 'rate',
                maximum: requests,
                windowS,
                used: decision.used,
                retryAfterS: decision.retryAfterS,
              };
              if (report) {
                logger.warn(figures, 'over the rate limit; served (GATEWAY_LIMITS_MODE=report)');
              } else {
                logger.info(figures, 'refused: over the rate limit');
                throw new GraphQLError(
                  `Too many requests: at most ${requests} every ${windowS} s per caller; retry in ${decision.retryAfterS} s.`,
                  {
                    extensions: {
                      code: 'RATE_LIMITED' satisfies keyof typeof ERROR_CODES,
                      limit: 'rate',
                      maximum: requests,
                      http: {
                        status: 429,
                        headers: new HeaderMap([['retry-after', String(decision.retryAfterS)]]),
                      },
                    },
                  },
                );
              }
            }
          }
          // No operation to run: operationNamePlugin refuses the request.
          if (!operation) return;
          const cost = estimateCost({
            operation,
            fragments: fragmentsOf(document),
            ...(request.variables ? { variables: request.variables } : {}),
          });
          if (cost <= config.maxCost) {
            logger.debug({ subject, operationName, cost }, 'operation cost');
            return;
          }
          const figures = { subject, operationName, limit: 'cost', maximum: config.maxCost, actual: cost };
          if (report) {
            logger.warn(figures, 'over the cost limit; served (GATEWAY_LIMITS_MODE=report)');
            return;
          }
          logger.info(figures, 'refused: over the cost limit');
          throw new GraphQLError(
            `The operation's estimated cost is ${cost}; at most ${config.maxCost} is allowed. Ask for smaller pages (\`first\`) or fewer nested lists.`,
            {
              extensions: {
                code: 'OPERATION_LIMIT_EXCEEDED' satisfies keyof typeof ERROR_CODES,
                limit: 'cost',
                maximum: config.maxCost,
                actual: cost,
                http: { status: 400 },
              },
            },
          );
        },
      };
    },
  };
}

/** A document's fragments by name, memoised per parsed document (Apollo reuses them across requests). */
function fragmentTable(): (document: DocumentNode) => Record<string, FragmentDefinitionNode> {
  const known = new WeakMap<DocumentNode, Record<string, FragmentDefinitionNode>>();
  return (document) => {
    let fragments = known.get(document);
    if (!fragments) {
      fragments = {};
      for (const definition of document.definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
      }
      known.set(document, fragments);
    }
    return fragments;
  };
}
