import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind } from 'graphql';
import type { GatewayContext } from '../context.js';

/**
 * A document whose operation cannot be chosen (several operations and no or an unknown
 * `operationName`) is the client's mistake: without this the gateway's executor throws and
 * Apollo answers 500. Refused here, before planning, as BAD_USER_INPUT with status 400.
 * No options.
 */
export function operationNamePlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (operation) return;
          const operations = document.definitions.filter(
            (definition) => definition.kind === Kind.OPERATION_DEFINITION,
          );
          const message = request.operationName
            ? `The document has no operation named "${request.operationName}".`
            : operations.length === 0
              ? 'The document has no operation to run.'
              : 'The document has several operations: say which one to run with operationName.';
          throw new GraphQLError(message, {
            extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
          });
        },
      };
    },
  };
}
