import fc from 'fast-check';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  connectionOf,
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  MAX_PAGE_SIZE,
  pageSize,
} from '../../lib/connections.js';

/** The error a call throws, as the client would see its code, message and argument. */
function refusal(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    const { extensions, message } = error as GraphQLError;
    return { code: extensions.code, field: extensions.field, reason: extensions.reason, message };
  }
  throw new Error('expected a refusal');
}

const isPair = (value: unknown): value is [number, string] =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'string';

describe('pageSize', () => {
  it('defaults to 20 and accepts 1..100', () => {
    expect(pageSize(undefined)).toBe(DEFAULT_PAGE_SIZE);
    expect(pageSize(null)).toBe(DEFAULT_PAGE_SIZE);
    expect(pageSize(1)).toBe(1);
    expect(pageSize(MAX_PAGE_SIZE)).toBe(MAX_PAGE_SIZE);
  });

  it('refuses everything else with one code and one message naming the argument', () => {
    for (const first of [0, -1, 101, 1.5, Number.NaN]) {
      expect(refusal(() => pageSize(first))).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'first',
        reason: 'OUT_OF_RANGE',
        message: `\`first\` must be between 1 and 100; got ${first}.`,
      });
    }
  });
});

describe('cursors', () => {
  it('give back the position they were made from, for any position', () => {
    fc.assert(
      fc.property(fc.integer(), fc.string(), (n, s) => {
        expect(decodeCursor(encodeCursor('list', [n, s]), 'list', isPair)).toEqual([n, s]);
      }),
    );
  });

  it('no cursor is no position', () => {
    expect(decodeCursor(undefined, 'list', isPair)).toBeUndefined();
    expect(decodeCursor(null, 'list', isPair)).toBeUndefined();
  });

  it('refuse garbage, forged shapes and other lists’ cursors alike', () => {
    const raw = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const refused = [
      '',
      'not a cursor!',
      'a'.repeat(9000),
      Buffer.from('not json').toString('base64url'),
      raw(null),
      raw([1, 'x']),
      raw({ k: 'list' }),
      raw({ k: 'list', p: ['1', 'x'] }),
      encodeCursor('other list', [1, 'x']),
    ];
    for (const cursor of refused) {
      expect(refusal(() => decodeCursor(cursor, 'list', isPair))).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'after',
        reason: 'INVALID_FORMAT',
        message: '`after` is not a cursor this list handed out.',
      });
    }
  });
});

describe('connectionOf', () => {
  const edges = [
    { cursor: 'a', node: 1 },
    { cursor: 'b', node: 2 },
  ];

  it('takes start and end cursors from the edges', () => {
    expect(connectionOf(edges, { hasNextPage: true, hasPreviousPage: false })).toEqual({
      edges,
      pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: 'a', endCursor: 'b' },
    });
  });

  it('an empty page ends where the list continues, when it does', () => {
    expect(
      connectionOf([], { hasNextPage: true, hasPreviousPage: true, endCursor: 'next' }).pageInfo,
    ).toEqual({ hasNextPage: true, hasPreviousPage: true, startCursor: null, endCursor: 'next' });
    expect(connectionOf([], { hasNextPage: false, hasPreviousPage: false }).pageInfo.endCursor).toBeNull();
  });
});
