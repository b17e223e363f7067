import type { ApolloServerPlugin } from '@apollo/server';
import { isCatalogued } from '../../lib/errors.js';
import type { GatewayContext } from '../context.js';

/**
 * Logs every error of a request in full (message, stack, original error, subgraph) on the
 * request's child logger, and puts the request id on each error the client gets, so a support
 * ticket quoting it finds the log lines. What the client sees of the error itself is
 * gateway/errors.ts's masking. No options.
 */
export function errorLoggingPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            const code = error.extensions.code;
            const clientFault =
              code === 'GRAPHQL_PARSE_FAILED' ||
              code === 'GRAPHQL_VALIDATION_FAILED' ||
              code === 'BAD_USER_INPUT' ||
              code === 'BAD_REQUEST';
            const entry = {
              err: error.originalError ?? error,
              code,
              path: error.path,
              subgraph: error.extensions.serviceName ?? error.extensions.subgraph,
              operationName,
            };
            if (clientFault) contextValue.logger.info(entry, 'rejected operation');
            else if (isCatalogued(code) && code !== 'INTERNAL_SERVER_ERROR')
              contextValue.logger.warn(entry, 'operation error');
            else contextValue.logger.error(entry, 'unexpected error (masked for the client)');
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || !response.body.singleResult.errors) return;
          response.body.singleResult.errors = response.body.singleResult.errors.map((error) => ({
            ...error,
            extensions: { ...error.extensions, requestId: contextValue.requestId },
          }));
        },
      };
    },
  };
}
