import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENTITY_SETS } from '../../legacy/erp/entities.js';
import { ErpError } from '../../legacy/erp/errors.js';
import { compileFilter, parseFilter, parseOrderBy, parseSelect, tokenize } from '../../legacy/erp/odata.js';
import { parseReadOptions, QueryEngine } from '../../legacy/erp/query.js';
import { Store } from '../../legacy/erp/store.js';
import { incrementNumber, lineAmounts } from '../../legacy/erp/writes.js';
import { createTablesSql, ERP_TABLES } from '../../legacy/generator/model.js';

const customers = ENTITY_SETS.customers;
const quoteOData = (s: string) => s.replace(/'/g, "''");

function errorOf(fn: () => unknown): ErpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ErpError) return error;
    throw error;
  }
  throw new Error('expected an ErpError');
}

describe('tokenizer and parser', () => {
  it('tokenizes literals of every kind', () => {
    const kinds = tokenize(
      "a eq 'it''s' 12.5 -3 2024-01-31 2024-01-31T10:00:00Z 1b2c3d4e-0000-4000-8000-000000000001 true null (x)",
    ).map((t) => t.kind);
    expect(kinds).toEqual([
      'ident',
      'ident',
      'string',
      'number',
      'number',
      'date',
      'datetime',
      'guid',
      'ident',
      'ident',
      'lparen',
      'ident',
      'rparen',
      'end',
    ]);
    expect(tokenize("'it''s'")[0]!.value).toBe("it's");
  });

  it('parses precedence: and binds tighter than or', () => {
    const ast = parseFilter("number eq 'a' or number eq 'b' and number eq 'c'");
    expect(ast.kind).toBe('or');
    expect(ast.kind === 'or' && ast.right.kind).toBe('and');
  });

  it('flips literal-first comparisons', () => {
    expect(parseFilter('5 lt balanceDue')).toEqual({
      kind: 'cmp',
      op: 'gt',
      field: 'balanceDue',
      value: { type: 'number', value: 5 },
    });
  });

  it('refuses malformed filters with BadRequest_InvalidToken and a position', () => {
    for (const text of [
      '',
      'displayName',
      "displayName eq 'x' and",
      "(displayName eq 'x'",
      "displayName eq 'x')",
      'eq 1',
      'contains(displayName)',
      "displayName eq 'x' xor number eq 'y'",
    ]) {
      const error = errorOf(() => parseFilter(text));
      expect(error.status, text).toBe(400);
      expect(error.code, text).toBe('BadRequest_InvalidToken');
    }
    expect(errorOf(() => parseFilter("displayName eq 'x")).message).toContain('unterminated');
  });

  it('compiles to SQL with every value bound and only model columns named', () => {
    const params: unknown[] = [];
    const sql = compileFilter(
      parseFilter("(number eq 'C1' or number eq 'C2') and contains(displayName,'%_') and balanceDue ge 10"),
      customers,
      params,
    );
    expect(sql).toBe(
      '((("number" = ? OR "number" = ?) AND instr("displayName", ?) > 0) AND "balanceDue" >= ?)',
    );
    expect(params).toEqual(['C1', 'C2', '%_', 10]);
  });

  it('refuses or across fields and unknown properties', () => {
    expect(
      errorOf(() => compileFilter(parseFilter("number eq 'a' or displayName eq 'b'"), customers, [])).message,
    ).toContain("'or'");
    expect(
      errorOf(() =>
        compileFilter(parseFilter("(number eq 'a' and city eq 'x') or number eq 'b'"), customers, []),
      ).code,
    ).toBe('BadRequest_InvalidToken');
    const unknown = errorOf(() => compileFilter(parseFilter("secret eq 'a'"), customers, []));
    expect(unknown.message).toBe(
      "Could not find a property named 'secret' on type 'Microsoft.NAV.customer'.",
    );
  });

  it('parses $select, $orderby and nested $expand against the model', () => {
    expect(parseSelect('number, displayName', customers)).toEqual(['number', 'displayName']);
    expect(parseOrderBy('city desc, number', customers)).toEqual([
      { field: 'city', desc: true },
      { field: 'number', desc: false },
    ]);
    const options = parseReadOptions(
      new Map([
        [
          '$expand',
          "salesOrderLines($filter=quantity gt 1 and description eq 'a;b';$top=2;$expand=item($select=number))",
        ],
      ]),
      ENTITY_SETS.salesOrders,
    );
    const expand = options.expand![0]!;
    expect(expand.nav.name).toBe('salesOrderLines');
    expect(expand.options.top).toBe(2);
    expect(expand.options.expand![0]!.options.select).toEqual(['number']);
    expect(
      errorOf(() => parseReadOptions(new Map([['$expand', 'customer($top=1)']]), ENTITY_SETS.salesOrders))
        .status,
    ).toBe(400);
    expect(errorOf(() => parseReadOptions(new Map([['$apply', 'x']]), customers)).message).toContain(
      '$apply',
    );
  });
});

describe('write helpers', () => {
  it('increments number series keeping width and prefix', () => {
    expect(incrementNumber('C00099')).toBe('C00100');
    expect(incrementNumber('SO-999')).toBe('SO-1000');
    expect(incrementNumber('X')).toBe('X1');
  });

  it('computes line amounts from percent or amount', () => {
    expect(
      lineAmounts(
        { lineType: 'Item', quantity: 3, unitPrice: 19.99, discountPercent: 10, taxPercent: 25 },
        'percent',
      ),
    ).toMatchObject({
      discountAmount: 6,
      amountExcludingTax: 53.97,
      totalTaxAmount: 13.49,
      amountIncludingTax: 67.46,
    });
    expect(
      lineAmounts({ lineType: 'Item', quantity: 2, unitPrice: 50, discountAmount: 25 }, 'amount'),
    ).toMatchObject({
      discountPercent: 25,
      amountExcludingTax: 75,
    });
  });
});

describe('filter values are matched literally (property)', () => {
  const db = new BetterSqlite3(':memory:');
  db.exec(createTablesSql(ERP_TABLES));
  const engine = new QueryEngine(new Store(db));
  const hostile = [
    "' or 1 eq 1",
    "') or (displayName ne '",
    '%',
    '_',
    '\\',
    "a'b",
    "''",
    '*',
    '?',
    '[',
    'ü',
    '🚀',
    "x' or displayName ne 'y",
  ];
  const names = [...hostile, 'Adatum', 'adatum', 'Ada_tum', 'Ada%tum', 'Back\\slash', '', 'A*B?C[D]'];
  const insert = db.prepare('INSERT INTO customers (id, number, displayName) VALUES (?, ?, ?)');
  for (const [i, name] of names.entries()) {
    insert.run(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, `C${i}`, name);
  }

  const run = (filter: string) =>
    engine
      .readCollection(customers, parseReadOptions(new Map([['$filter', filter]]), customers), [], 1000)
      .entities.map((e) => e.displayName as string);

  const value = fc.oneof(
    fc.constantFrom(...names),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
    fc.string({
      unit: fc.constantFrom("'", '%', '_', '\\', '*', '?', '[', 'a', 'A', ' ', 'ü', '🚀', '(', ')'),
      maxLength: 6,
    }),
  );

  it('eq, ne, contains, startswith and endswith equal the same predicate in JavaScript', () => {
    fc.assert(
      fc.property(value, (v) => {
        const lit = `'${quoteOData(v)}'`;
        expect(run(`displayName eq ${lit}`).sort()).toEqual(names.filter((n) => n === v).sort());
        expect(run(`displayName ne ${lit}`).sort()).toEqual(names.filter((n) => n !== v).sort());
        expect(run(`contains(displayName,${lit})`).sort()).toEqual(names.filter((n) => n.includes(v)).sort());
        expect(run(`startswith(displayName,${lit})`).sort()).toEqual(
          names.filter((n) => n.startsWith(v)).sort(),
        );
        expect(run(`endswith(displayName,${lit})`).sort()).toEqual(names.filter((n) => n.endsWith(v)).sort());
      }),
      { numRuns: 300 },
    );
  });

  it('injection attempts, escaped as OData requires, match only the row of that exact name', () => {
    for (const attack of hostile) {
      expect(run(`displayName eq '${quoteOData(attack)}'`)).toEqual([attack]);
      expect(run(`(displayName eq '${quoteOData(attack)}')`)).toEqual([attack]);
    }
    // Unescaped, the classic attacks do not parse into anything BC would run.
    expect(() => run("displayName eq '' or 1 eq 1''")).toThrow(ErpError);
    expect(() => run("displayName eq '' or number ne ''")).toThrow(ErpError);
  });
});
