import type { Server } from 'node:http';
import { GraphQLError } from 'graphql';
import { createConfiguredCache, erpCacheScope } from '../../lib/cacheConfig.js';
import { appError } from '../../lib/errors.js';
import { createGraphQLHttpServer, sendJson } from '../../lib/graphqlHttp.js';
import type { LegacyCache } from '../../lib/legacyCache.js';
import { type Logger, silentLogger } from '../../lib/logger.js';
import { createSubgraphApollo } from '../../lib/subgraphApollo.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import { ErpClient } from './client/erpClient.js';
import type { ErpSubgraphConfig } from './config.js';
import { createContextFactory, type ErpContext } from './context.js';
import { Customer } from './resolvers/customer.js';
import { Employee } from './resolvers/employee.js';
import { Invoice, InvoiceLine } from './resolvers/invoice.js';
import { Payment } from './resolvers/payment.js';
import { BomComponent, Product } from './resolvers/product.js';
import { Query } from './resolvers/query.js';
import { SalesOrder, SalesOrderLine } from './resolvers/salesOrder.js';
import { Shipment, ShipmentLine } from './resolvers/shipment.js';

export const ERP_SCHEMA_PATH = new URL('../../schema/erp.graphql', import.meta.url);

export interface ErpSubgraph {
  /** Not listening: the caller picks host and port. */
  server: Server;
  client: ErpClient;
  /** The shared cache of ERP answers (undefined when LEGACY_CACHE=off). */
  cache: LegacyCache | undefined;
  close(): Promise<void>;
}

export interface ErpSubgraphDeps {
  logger?: Logger;
  /**
   * A cache shared with other subgraphs (one process running several, or tests sharing one
   * Redis): the caller owns and closes it. Absent: the subgraph makes its own from
   * `config.cache` and closes it in close(). `null`: no cache, whatever the config says.
   */
  cache?: LegacyCache | null;
}

const resolvers: Resolvers = {
  Query,
  Customer,
  Employee,
  SalesOrder,
  SalesOrderLine,
  Invoice,
  InvoiceLine,
  Shipment,
  ShipmentLine,
  Payment,
  Product,
  BomComponent,
};

/**
 * @apollo/subgraph's `_entities` resolver throws a plain Error, for the whole field, when a
 * representation is not an object naming one of our entity types: that is bad input.
 */
function representationError(
  path: readonly (string | number)[] | undefined,
  original: unknown,
): GraphQLError | undefined {
  if (path?.length !== 1 || path[0] !== '_entities' || original instanceof GraphQLError) return undefined;
  return appError('BAD_USER_INPUT', 'An entity representation names no entity type of this subgraph.', {
    argument: 'representations',
  });
}

export function createErpSubgraph(config: ErpSubgraphConfig, deps: ErpSubgraphDeps = {}): ErpSubgraph {
  const logger = deps.logger ?? silentLogger;
  const ownsCache = deps.cache === undefined;
  const cache =
    deps.cache === null
      ? undefined
      : (deps.cache ?? createConfiguredCache(config.cache, logger.child({ component: 'legacy-cache' })));
  const client = new ErpClient(
    {
      url: config.erpUrl,
      token: config.erpToken,
      companyId: config.companyId,
      companyName: config.companyName,
      timeoutMs: config.timeoutMs,
      maxRetries: config.maxRetries,
      maxConnections: config.maxConnections,
    },
    logger,
  );
  const apollo = createSubgraphApollo<ErpContext>({
    schemaPath: ERP_SCHEMA_PATH,
    resolvers,
    subgraph: 'ERP',
    reclassify: representationError,
    logger,
  });
  const server = createGraphQLHttpServer<ErpContext>({
    apollo,
    logger,
    context: createContextFactory({
      client,
      batching: config.batching,
      localCurrencyCode: config.localCurrencyCode,
      ...(cache && config.cache.mode !== 'off'
        ? {
            cache: {
              cache,
              scope: erpCacheScope({
                url: config.erpUrl,
                companyId: config.companyId,
                companyName: config.companyName,
                token: config.erpToken,
              }),
              ttlMs: config.cache.ttlMs,
            },
          }
        : {}),
    }),
    routes: {
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    },
  });
  return {
    server,
    client,
    cache,
    async close() {
      await apollo.stop();
      await client.close();
      if (ownsCache) await cache?.close();
    },
  };
}
