import fc from 'fast-check';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { type FilterExpr, parseFilter } from '../../legacy/erp/odata.js';
import { decodeCursor, encodeCursor, foreignCursor, pageSize } from '../../lib/connections.js';
import { formatAmount } from '../../lib/domain.js';
import { ConfigError } from '../../lib/env.js';
import { LegacyError } from '../../lib/errors.js';
import { fixedTokenSource } from '../../lib/legacyCredentials.js';
import { silentLogger } from '../../lib/logger.js';
import { describeBcFailure, ErpClient } from '../../subgraphs/erp/client/erpClient.js';
import { continuationLink, isPagePosition, pageRequest, sliceOf } from '../../subgraphs/erp/client/lists.js';
import {
  chunkByEncodedLength,
  contains,
  eqAny,
  guidLiteral,
  queryString,
  stringLiteral,
} from '../../subgraphs/erp/client/odata.js';
import { readErpSubgraphConfig } from '../../subgraphs/erp/config.js';

/** The values of an `a eq X or a eq Y …` filter as the stand-in's parser reads them. */
function comparedValues(expr: FilterExpr): unknown[] {
  if (expr.kind === 'or') return [...comparedValues(expr.left), ...comparedValues(expr.right)];
  if (expr.kind === 'cmp' && expr.value.type !== 'null') return [expr.value.value];
  throw new Error(`unexpected ${expr.kind}`);
}

const guidArb = fc.uuid().map((u) => u.toLowerCase());

describe('OData filter builder', () => {
  it('doubles quotes inside a quoted literal', () => {
    expect(stringLiteral("O'Brien")).toBe("'O''Brien'");
    expect(stringLiteral('')).toBe("''");
    expect(stringLiteral("''")).toBe("''''''");
  });

  it('escapes any string so that the ERP’s parser reads back exactly that value', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (value) => {
        const expr = parseFilter(`displayName eq ${stringLiteral(value)}`);
        expect(expr).toEqual({
          kind: 'cmp',
          op: 'eq',
          field: 'displayName',
          value: { type: 'string', value },
        });
        const fn = parseFilter(contains('displayName', value));
        expect(fn).toEqual({ kind: 'fn', fn: 'contains', field: 'displayName', value });
      }),
      { numRuns: 500 },
    );
  });

  it('builds `or` lists on one field that parse back to the same values, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 15 }), (values) => {
        expect(comparedValues(parseFilter(eqAny('number', 'text', values)))).toEqual(values);
      }),
    );
    fc.assert(
      fc.property(fc.array(guidArb, { minLength: 1, maxLength: 15 }), (values) => {
        expect(comparedValues(parseFilter(eqAny('customerId', 'guid', values)))).toEqual(values);
      }),
    );
  });

  it('refuses to send anything but a GUID as a GUID', () => {
    expect(guidLiteral('ABCDEF01-2345-4678-89AB-CDEF01234567')).toBe('abcdef01-2345-4678-89ab-cdef01234567');
    for (const bad of [
      '',
      'x',
      "00000000-0000-4000-8000-000000000000' or 1 eq 1",
      '00000000-0000-4000-8000-00000000000',
    ]) {
      expect(() => guidLiteral(bad)).toThrow(TypeError);
      expect(() => eqAny('id', 'guid', [bad])).toThrow(TypeError);
    }
  });

  it('chunks lookups so each encoded filter stays under the bound and no value is lost', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 30 }), { maxLength: 80 }),
        fc.integer({ min: 200, max: 2000 }),
        (values, bound) => {
          const chunks = chunkByEncodedLength('number', 'text', values, bound);
          expect(chunks.flat()).toEqual(values);
          for (const chunk of chunks) {
            expect(chunk.length).toBeGreaterThan(0);
            const encoded = encodeURIComponent(eqAny('number', 'text', chunk)).length;
            if (chunk.length > 1) expect(encoded).toBeLessThanOrEqual(bound);
          }
        },
      ),
    );
  });

  it('percent-encodes every query option so that it reads back unchanged', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const filter = `${eqAny('number', 'text', [a])} and ${contains('displayName', b)}`;
        const params = new URLSearchParams(
          queryString({ filter, orderby: 'number desc', select: ['id', 'number'] }),
        );
        expect(params.get('$filter')).toBe(filter);
        expect(params.get('$orderby')).toBe('number desc');
        expect(params.get('$select')).toBe('id,number');
      }),
    );
  });
});

describe('cursors', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(GraphQLError);
      return (error as GraphQLError).extensions.code;
    }
    return 'no error';
  };

  it('round-trips any query and skip', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 20_000 }), (text, skip) => {
        const query = `?${new URLSearchParams({ $skiptoken: text }).toString()}`;
        expect(decodeCursor(encodeCursor('orders', { query, skip }), 'orders', isPagePosition)).toEqual({
          query,
          skip,
        });
      }),
    );
  });

  it('refuses forged and malformed cursors with BAD_USER_INPUT', () => {
    const raw = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const forged = [
      '',
      '!!!',
      'a'.repeat(9000),
      Buffer.from('not json').toString('base64url'),
      Buffer.from('null').toString('base64url'),
      raw({ q: 'http://evil.example/x', s: 0 }),
      raw({ q: '/api/v2.0/companies', s: 0 }),
      raw({ q: '?a=1#frag', s: 0 }),
      raw({ q: '?x', s: 1.5 }),
      raw({ q: '?x', s: 20_001 }),
      raw({ q: 7, s: 0 }),
    ];
    for (const cursor of forged)
      expect(
        code(() => decodeCursor(cursor, 'orders', isPagePosition)),
        cursor,
      ).toBe('BAD_USER_INPUT');
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(['BAD_USER_INPUT', 'no error']).toContain(
          code(() => decodeCursor(text, 'orders', isPagePosition)),
        );
      }),
    );
  });

  it('refuses positions that are not a BC query and a bounded skip, even in a well-formed envelope', () => {
    const positions = [
      { query: 'http://evil.example/x', skip: 0 },
      { query: '/api/v2.0/companies', skip: 0 },
      { query: '?a=1#frag', skip: 0 },
      { query: '?x', skip: 1.5 },
      { query: '?x', skip: -1 },
      { query: '?x', skip: 20_001 },
      { query: 7, skip: 0 },
      { q: '?x', s: 0 },
      null,
      '?x',
    ];
    for (const position of positions) {
      const cursor = encodeCursor('orders', position);
      expect(
        code(() => decodeCursor(cursor, 'orders', isPagePosition)),
        JSON.stringify(position),
      ).toBe('BAD_USER_INPUT');
    }
    // A well-formed position of another kind of list.
    const products = encodeCursor('products', { query: '?$orderby=number', skip: 0 });
    expect(code(() => decodeCursor(products, 'orders', isPagePosition))).toBe('BAD_USER_INPUT');
  });

  it('continues only the very list it was issued for, on that list’s path', () => {
    const first = '/api/v2.0/companies(c)/salesOrders?$filter=customerId%20eq%20a&$orderby=orderDate%20desc';
    const query = '?$filter=customerId%20eq%20a&$orderby=orderDate%20desc';
    // The paging code answers a position that is not the list's as it answers a foreign cursor.
    const refuse = (): never => {
      throw foreignCursor();
    };
    const link = (q: string) => continuationLink({ query: q, skip: 0 }, first) ?? refuse();
    expect(link(query)).toBe(first);
    expect(link(`${query}&$skiptoken=abc`)).toBe(`${first}&$skiptoken=abc`);
    expect(link(`aid=FIN&${query.slice(1)}&$skiptoken=abc`.replace(/^/, '?'))).toContain(
      '/salesOrders?aid=FIN&',
    );
    for (const bad of [
      query.replace('eq%20a', 'eq%20b'),
      `${query}&$top=1`,
      `${query}&$expand=customer&$expand=customer`,
      `${query}&$skiptoken=a&$skiptoken=b`,
      `${query}&company=Other`,
      query.replace('&$orderby=orderDate%20desc', ''),
      '',
    ]) {
      expect(
        code(() => link(bad)),
        bad,
      ).toBe('BAD_USER_INPUT');
    }
  });

  it('continues with the expansion of the list it is used on, whatever the position’s was', () => {
    // What a row carries is the reader's: a position of the orders read with their lines' items
    // continues them read without, and the other way round, and never sends its own expansion.
    const plain = '/api/v2.0/companies(c)/salesOrders?$filter=customerId%20eq%20a&$expand=salesOrderLines';
    const withItems = plain.replace('salesOrderLines', 'salesOrderLines(%24expand%3Ditem)');
    const positionOf = (link: string) => ({
      query: `${new URL(link, 'http://x').search}&$skiptoken=t`,
      skip: 0,
    });
    expect(continuationLink(positionOf(withItems), plain)).toBe(
      '/api/v2.0/companies(c)/salesOrders?$filter=customerId%20eq%20a&$skiptoken=t&$expand=salesOrderLines',
    );
    expect(continuationLink(positionOf(plain), withItems)).toBe(
      '/api/v2.0/companies(c)/salesOrders?$filter=customerId%20eq%20a&$skiptoken=t&$expand=salesOrderLines(%24expand%3Ditem)',
    );
    const bare = '/api/v2.0/companies(c)/salesOrders?$filter=customerId%20eq%20a';
    expect(continuationLink(positionOf(withItems), bare)).toBe(`${bare}&$skiptoken=t`);
    expect(continuationLink({ ...positionOf(withItems), query: '?$filter=customerId%20eq%20b' }, plain)).toBe(
      undefined,
    );
  });

  it('bounds `first` to 1..100 with 20 by default', () => {
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(1)).toBe(1);
    expect(pageSize(100)).toBe(100);
    for (const bad of [0, -5, 101, 2.5]) expect(code(() => pageSize(bad))).toBe('BAD_USER_INPUT');
  });
});

describe('list pages', () => {
  const query = '?$filter=customerId%20eq%20a&$orderby=number';
  const list = {
    kind: 'orders' as const,
    link: `/api/v2.0/companies(c)/salesOrders${query}`,
    customerId: 'a',
  };
  const nextLink = `${list.link}&$skiptoken=n`;

  it('reads the first page from the list itself and a later one from where the position points', () => {
    expect(pageRequest(list, 5)).toEqual({ ...list, pageSize: 5, skip: 0 });
    expect(pageRequest(list, 5, { query: `${query}&$skiptoken=n`, skip: 0 })).toEqual({
      ...list,
      link: nextLink,
      pageSize: 5,
      skip: 0,
    });
    // A position inside a page reads that page again, with the rows it passed in front.
    expect(pageRequest(list, 5, { query, skip: 3 })).toEqual({ ...list, pageSize: 8, skip: 3 });
    expect(pageRequest(list, 5, { query: '?$orderby=number', skip: 0 })).toBeUndefined();
  });

  it('gives each row the position after it, the last row’s being where BC’s page ends', () => {
    const request = pageRequest(list, 2, { query, skip: 1 })!;
    const next = { query: `${query}&$skiptoken=n`, skip: 0 };
    expect(sliceOf(request, { rows: ['a', 'b', 'c'], nextLink })).toEqual({
      edges: [
        { node: 'b', position: { query, skip: 2 } },
        { node: 'c', position: next },
      ],
      next,
    });
    expect(sliceOf(request, { rows: ['a', 'b'], nextLink: null })).toEqual({
      edges: [{ node: 'b', position: { query, skip: 2 } }],
      next: null,
    });
  });
});

describe('ERP client', () => {
  it('refuses a next-page link to another host', () => {
    const client = new ErpClient(
      {
        url: 'http://127.0.0.1:4101',
        credentials: fixedTokenSource('ERP', 't'),
        timeoutMs: 100,
        maxRetries: 0,
        maxConnections: 1,
      },
      silentLogger,
    );
    expect(() => client.http.resolve('http://evil.example/api/v2.0/customers')).toThrow(LegacyError);
    expect(client.http.resolve('http://127.0.0.1:4101/api/v2.0/customers')).toBe(
      'http://127.0.0.1:4101/api/v2.0/customers',
    );
  });

  it('reads BC’s error body for the logs and classifies ETag conflicts and throttling', () => {
    expect(describeBcFailure(400, { error: { code: 'BadRequest_InvalidToken', message: 'm' } })).toEqual({
      legacyCode: 'BadRequest_InvalidToken',
      legacyMessage: 'm',
    });
    expect(describeBcFailure(409, { error: { code: 'Request_EntityChanged', message: 'm' } }).code).toBe(
      'CONFLICT',
    );
    expect(describeBcFailure(429, undefined).code).toBe('LEGACY_THROTTLED');
    expect(describeBcFailure(500, 'not json')).toEqual({ legacyCode: undefined, legacyMessage: undefined });
  });
});

describe('money', () => {
  it('formats any amount in cents as its exact 2-place decimal text', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), (cents) => {
        const sign = cents < 0 ? '-' : '';
        const abs = Math.abs(cents);
        const expected = `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
        expect(formatAmount(cents / 100, 'ERP')).toBe(expected === '-0.00' ? '0.00' : expected);
      }),
    );
    expect(formatAmount(0.1 + 0.2, 'ERP')).toBe('0.30');
    expect(formatAmount(1e20, 'ERP')).toBe('100000000000000000000.00');
    expect(() => formatAmount(Number.NaN, 'ERP')).toThrow(LegacyError);
  });
});

describe('configuration', () => {
  it('has working defaults', () => {
    expect(readErpSubgraphConfig({})).toMatchObject({
      erpUrl: 'http://127.0.0.1:4101',
      erpCredentials: { flow: 'fixed' },
      timeoutMs: 10_000,
      maxRetries: 2,
      maxConnections: 5,
      batching: true,
      port: 4001,
      host: '127.0.0.1',
      localCurrencyCode: 'USD',
    });
    expect(readErpSubgraphConfig({ ERP_BATCHING: 'off' }).batching).toBe(false);
  });

  it('names the variable that is wrong', () => {
    const bad: Record<string, string>[] = [
      { ERP_URL: 'not a url' },
      { ERP_URL: 'ftp://x' },
      { ERP_TIMEOUT_MS: '0' },
      { ERP_MAX_RETRIES: 'two' },
      { ERP_MAX_CONNECTIONS: '-1' },
      { ERP_BATCHING: 'maybe' },
      { ERP_SUBGRAPH_PORT: '70000' },
      { ERP_COMPANY_ID: 'acme' },
      { ERP_LOCAL_CURRENCY: 'dollars' },
      { LOG_LEVEL: 'loud' },
    ];
    for (const env of bad) {
      const [name] = Object.keys(env);
      expect(() => readErpSubgraphConfig(env)).toThrow(ConfigError);
      try {
        readErpSubgraphConfig(env);
      } catch (error) {
        expect((error as ConfigError).variable).toBe(name);
        expect((error as Error).message).toContain(name);
      }
    }
  });
});
