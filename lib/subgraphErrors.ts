import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { appError, isCatalogued, LegacyError } from './errors.js';
import type { Logger } from './logger.js';

/**
 * How errors leave a subgraph, the same in each: with a catalogued `extensions.code` only. A
 * classified legacy failure becomes its code and system (never the legacy text or a URL); our
 * own GraphQL errors and Apollo's request errors (parse, validation, bad variables) pass without
 * a stack trace; anything else is masked as INTERNAL_SERVER_ERROR. The detail a client never
 * sees is logged with the request's logger, so it can be found under the request id.
 */

type ErrorPath = GraphQLFormattedError['path'];

export interface SubgraphErrorOptions {
  /** Names the subgraph in log lines ('ERP' → "unexpected error in the ERP subgraph"). */
  subgraph: string;
  /**
   * An error we did not raise that is the client's fault after all (e.g. a malformed entity
   * representation): the catalogued error to answer with instead of masking it.
   */
  reclassify?: (path: ErrorPath, original: unknown) => GraphQLError | undefined;
}

/**
 * For a subgraph's `reclassify`: @apollo/subgraph's `_entities` resolver throws a plain Error,
 * for the whole field, when a representation is not an object naming one of the subgraph's
 * entity types. That is bad input, not our failure.
 */
export function representationError(path: ErrorPath, original: unknown): GraphQLError | undefined {
  if (path?.length !== 1 || path[0] !== '_entities' || original instanceof GraphQLError) return undefined;
  return appError('BAD_USER_INPUT', 'An entity representation names no entity type of this subgraph.', {
    argument: 'representations',
  });
}

type Verdict =
  | { kind: 'legacy'; error: LegacyError }
  | { kind: 'client-facing' }
  | { kind: 'reclassified'; error: GraphQLError }
  | { kind: 'unexpected' };

function judge(code: unknown, path: ErrorPath, original: unknown, options: SubgraphErrorOptions): Verdict {
  if (original instanceof LegacyError) return { kind: 'legacy', error: original };
  if (isCatalogued(code) && code !== 'INTERNAL_SERVER_ERROR') return { kind: 'client-facing' };
  const reclassified = options.reclassify?.(path, original);
  return reclassified ? { kind: 'reclassified', error: reclassified } : { kind: 'unexpected' };
}

/** Apollo's `formatError` and the plugin that logs each error, for one subgraph. */
export function subgraphErrorHandling<TContext extends { logger: Logger }>(
  options: SubgraphErrorOptions,
  rootLogger: Logger,
): {
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  logging: ApolloServerPlugin<TContext>;
} {
  return {
    formatError(formatted, error) {
      const verdict = judge(formatted.extensions?.code, formatted.path, unwrapResolverError(error), options);
      if (verdict.kind === 'client-facing') {
        const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
        return { ...formatted, extensions };
      }
      const replacement =
        verdict.kind === 'legacy'
          ? verdict.error.toGraphQLError()
          : verdict.kind === 'reclassified'
            ? verdict.error
            : appError('INTERNAL_SERVER_ERROR', 'Internal server error.');
      return {
        message: replacement.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: replacement.extensions,
      };
    },

    logging: {
      async requestDidStart() {
        return {
          async didEncounterErrors({ errors, contextValue }) {
            // No context when building it failed: the process's logger still has the error.
            const logger = (contextValue as TContext | undefined)?.logger ?? rootLogger;
            for (const error of errors) {
              const original = unwrapResolverError(error);
              const verdict = judge(error.extensions?.code, error.path, original, options);
              if (verdict.kind === 'legacy') {
                const { code, system, detail } = verdict.error;
                logger.warn({ code, system, detail, path: error.path }, `${system} call failed`);
              } else if (verdict.kind === 'client-facing') {
                logger.info({ code: error.extensions?.code, path: error.path }, error.message);
              } else if (verdict.kind === 'reclassified') {
                logger.info({ code: verdict.error.extensions.code, path: error.path }, error.message);
              } else {
                logger.error(
                  { err: original, path: error.path },
                  `unexpected error in the ${options.subgraph} subgraph`,
                );
              }
            }
          },
        };
      },
    },
  };
}
