import { createRequire } from 'node:module';
import type { GraphQLError as GraphQLErrorType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { appError, LegacyError } from '../../lib/errors.js';
import { createLogger } from '../../lib/logger.js';
import { subgraphErrorHandling } from '../../lib/subgraphErrors.js';

// graphql as Node loads it for @apollo/server (CommonJS): vitest would hand this file the ESM
// copy, whose GraphQLError Apollo's unwrapResolverError does not recognise.
const { GraphQLError } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/** An error as a resolver's failure reaches formatError: wrapped, with a path. */
function fromResolver(original: Error): GraphQLErrorType {
  return new GraphQLError(original.message, { path: ['customer'], originalError: original });
}

function handling(reclassify?: Parameters<typeof subgraphErrorHandling>[0]['reclassify']) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    name: 'test',
    level: 'debug',
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  const errors = subgraphErrorHandling<{ logger: typeof logger }>(
    { subgraph: 'Test', ...(reclassify ? { reclassify } : {}) },
    logger,
  );
  const log = async (error: GraphQLErrorType) => {
    const hooks = await errors.logging.requestDidStart?.({} as never);
    await hooks?.didEncounterErrors?.({ errors: [error], contextValue: undefined } as never);
  };
  return { errors, lines, log };
}

describe('subgraph errors', () => {
  it('a legacy failure leaves as its code and system, its detail only in the log', async () => {
    const { errors, lines, log } = handling();
    const failure = new LegacyError('LEGACY_UNAVAILABLE', 'CRM', 'The CRM is unavailable.', {
      url: 'http://internal.example/services',
    });
    const error = fromResolver(failure);
    expect(errors.formatError(error.toJSON(), error)).toEqual({
      message: 'The CRM is unavailable.',
      path: ['customer'],
      locations: undefined,
      extensions: { code: 'LEGACY_UNAVAILABLE', system: 'CRM' },
    });
    await log(error);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'CRM call failed',
        code: 'LEGACY_UNAVAILABLE',
        detail: { url: 'http://internal.example/services' },
      }),
    ]);
  });

  it('a catalogued error passes without its stack trace; an uncatalogued one is masked and logged', async () => {
    const { errors, lines, log } = handling();
    const refusal = appError('BAD_USER_INPUT', 'first must be at most 100.', { argument: 'first' });
    expect(
      errors.formatError(
        { message: refusal.message, extensions: { ...refusal.extensions, stacktrace: ['at x'] } },
        refusal,
      ),
    ).toEqual({ message: refusal.message, extensions: { code: 'BAD_USER_INPUT', argument: 'first' } });

    const bug = fromResolver(new TypeError('cannot read id of undefined'));
    const masked = errors.formatError(bug.toJSON(), bug);
    expect(masked).toMatchObject({
      message: 'Internal server error.',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(JSON.stringify(masked)).not.toContain('undefined');
    await log(bug);
    expect(lines[0]).toMatchObject({ level: 50, msg: 'unexpected error in the Test subgraph' });
  });

  it('reclassify turns an error that is the client fault into its catalogued answer', async () => {
    const badInput = appError('BAD_USER_INPUT', 'Bad representation.');
    const { errors, lines, log } = handling((path) => (path?.[0] === 'customer' ? badInput : undefined));
    const error = fromResolver(new Error('not an entity'));
    expect(errors.formatError(error.toJSON(), error)).toMatchObject({
      message: 'Bad representation.',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    await log(error);
    expect(lines[0]).toMatchObject({ level: 30, code: 'BAD_USER_INPUT' });
  });
});
