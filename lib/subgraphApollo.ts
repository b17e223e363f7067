import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { type DocumentNode, parse } from 'graphql';
import type { Logger } from './logger.js';
import { type SubgraphErrorOptions, subgraphErrorHandling } from './subgraphErrors.js';

/** buildSubgraphSchema's module shape (its resolver map type is not exported). */
type SchemaModule = Exclude<
  Extract<Parameters<typeof buildSubgraphSchema>[0], unknown[]>[number],
  DocumentNode
>;

export interface SubgraphApolloOptions extends SubgraphErrorOptions {
  /** The subgraph's SDL file (schema/<name>.graphql). */
  schemaPath: URL;
  /** The subgraph's resolver map, typed by its own generated Resolvers type. */
  resolvers: object;
  logger: Logger;
}

/**
 * The Apollo server of a subgraph, built the same way for each: a federation schema from its SDL
 * file, introspection on (the gateway's composition reads it), nothing sent to Apollo's services,
 * errors formatted and logged by {@link subgraphErrorHandling}. Started in the background: a
 * startup failure is logged and fails every request rather than the process.
 */
export function createSubgraphApollo<TContext extends { logger: Logger }>(
  options: SubgraphApolloOptions,
): ApolloServer<TContext> {
  const typeDefs = parse(readFileSync(options.schemaPath, 'utf8'));
  const errors = subgraphErrorHandling<TContext>(options, options.logger);
  const apollo = new ApolloServer<TContext>({
    schema: buildSubgraphSchema([{ typeDefs, resolvers: options.resolvers as SchemaModule['resolvers'] }]),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    formatError: errors.formatError,
    plugins: [
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      errors.logging,
    ],
  });
  apollo.startInBackgroundHandlingStartupErrorsByLoggingAndFailingAllRequests();
  return apollo;
}
