import { parseQuery, type WhereClause } from '@jetstreamapp/soql-parser-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHILD_LISTS } from '../../subgraphs/crm/client/fields.js';
import { classifyCustomerId, toSalesforceId18 } from '../../subgraphs/crm/client/ids.js';
import { keysetAfter } from '../../subgraphs/crm/client/keyset.js';
import { ACCOUNT_PAGE_ORDER } from '../../subgraphs/crm/client/lists.js';
import {
  buildSelect,
  chunkInList,
  compare,
  containsPattern,
  dateLiteral,
  dateTimeLiteral,
  encodedLength,
  encodeSoqlParameter,
  type FilterField,
  inList,
  like,
  stringLiteral,
} from '../../subgraphs/crm/client/soql.js';

/** Salesforce's unescaping of a quoted literal, written independently of the builder. */
function unescapeLiteral(raw: string, likePattern = false): string {
  expect(raw.startsWith("'") && raw.endsWith("'")).toBe(true);
  const body = raw.slice(1, -1);
  const map: Record<string, string> = {
    n: '\n',
    r: '\r',
    t: '\t',
    b: '\b',
    f: '\f',
    '"': '"',
    "'": "'",
    '\\': '\\',
  };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "'") throw new Error(`unescaped quote at ${i} in ${raw}`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = body[++i];
    if (next !== undefined && next in map) out += map[next];
    else if (likePattern && (next === '%' || next === '_')) out += `\\${next}`;
    else throw new Error(`bad escape \\${next} in ${raw}`);
  }
  return out;
}

function whereValue(soql: string): string {
  const where = parseQuery(soql).where as WhereClause;
  const left = where.left as { value?: string };
  expect(typeof left.value).toBe('string');
  return left.value!;
}

describe('SOQL literals', () => {
  it('escapes quotes, backslashes and control characters with a backslash', () => {
    expect(stringLiteral("O'Brien")).toBe("'O\\'Brien'");
    expect(stringLiteral('Back\\slash')).toBe("'Back\\\\slash'");
    expect(stringLiteral('say "hi"\n\r\t')).toBe('\'say \\"hi\\"\\n\\r\\t\'');
  });

  it('escapes % and _ inside LIKE patterns so they match only themselves', () => {
    expect(containsPattern('100% Cotton_Co')).toBe("'%100\\% Cotton\\_Co%'");
    expect(containsPattern("O'Brien\\")).toBe("'%O\\'Brien\\\\%'");
  });

  it('refuses malformed date literals', () => {
    expect(dateLiteral('2024-03-01')).toBe('2024-03-01');
    expect(() => dateLiteral("2024-03-01' OR Name != '")).toThrow(TypeError);
  });

  it('any string, escaped and parsed by a SOQL parser, unescapes to itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (value) => {
        const soql = buildSelect({
          object: 'Account',
          fields: ['Id'],
          where: compare('Name', '=', stringLiteral(value)),
        });
        expect(unescapeLiteral(whereValue(soql))).toBe(value);
      }),
      { numRuns: 200 },
    );
  });

  it('any search text becomes a LIKE pattern whose only wildcards are the outer %', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (value) => {
        const soql = buildSelect({
          object: 'Account',
          fields: ['Id'],
          where: like('Name', containsPattern(value)),
        });
        const pattern = unescapeLiteral(whereValue(soql), true);
        expect(pattern.startsWith('%') && pattern.endsWith('%')).toBe(true);
        const inner = pattern.slice(1, -1);
        // Every % and _ of the inner pattern is escaped: it matches the text only literally.
        expect(inner.replace(/\\[%_]/g, '')).not.toMatch(/[%_]/);
        expect(inner.replace(/\\([%_])/g, '$1')).toBe(value);
      }),
      { numRuns: 500 },
    );
  });
});

describe('SOQL statements', () => {
  it('takes field names only from the fixed list', () => {
    expect(() => compare('Name; DELETE' as FilterField, '=', stringLiteral('x'))).toThrow(TypeError);
    expect(() => buildSelect({ object: 'Account', fields: ['Id, (SELECT Id FROM Users)'] })).toThrow(
      TypeError,
    );
    expect(() => buildSelect({ object: 'Secret__c' as 'Account', fields: ['Id'] })).toThrow(TypeError);
  });

  it('builds relationship subqueries a SOQL parser accepts', () => {
    const soql = buildSelect({
      object: 'Account',
      fields: ['Id'],
      subqueries: [
        { ...CHILD_LISTS.tasks, limit: 6 },
        { ...CHILD_LISTS.events, limit: 6 },
      ],
      where: inList('Id', [stringLiteral('001000000000001AAA')]),
    });
    expect(soql).toContain('FROM Tasks ORDER BY ActivityDate DESC NULLS LAST, Id DESC NULLS LAST LIMIT 6');
    const parsed = parseQuery(soql);
    expect(parsed.fields?.filter((f) => f.type === 'FieldSubquery')).toHaveLength(2);
  });

  it('keyset conditions continue after the position and parse', () => {
    const condition = keysetAfter(ACCOUNT_PAGE_ORDER, ["O'Brien", '001000000000001AAA']);
    expect(condition).toBe(
      "((Name > 'O\\'Brien' OR Name = null) OR (Name = 'O\\'Brien' AND (Id > '001000000000001AAA' OR Id = null)))",
    );
    expect(() =>
      parseQuery(buildSelect({ object: 'Account', fields: ['Id'], where: condition })),
    ).not.toThrow();
    const tasks = keysetAfter(CHILD_LISTS.tasks.orderBy, [null, '00T000000000001AAA']);
    expect(tasks).toBe("(ActivityDate = null AND (Id < '00T000000000001AAA' OR Id = null))");
    expect(() => keysetAfter(CHILD_LISTS.tasks.orderBy, ["2024-01-01') OR (Id != '", 'x'])).toThrow(
      TypeError,
    );
  });
});

describe('IN-list chunking', () => {
  const ids = Array.from({ length: 2500 }, (_, i) => `001${String(i).padStart(12, '0')}AAA`);
  const render = (list: readonly ReturnType<typeof stringLiteral>[]) =>
    buildSelect({ object: 'Account', fields: ['Id', 'Name'], where: inList('Id', list) });

  it('keeps every statement under the URL bound and every value in exactly one chunk', () => {
    const bound = 16_000;
    const statements = chunkInList(ids, stringLiteral, render, bound);
    expect(statements.length).toBeGreaterThan(1);
    for (const soql of statements) expect(encodedLength(soql)).toBeLessThanOrEqual(bound);
    const seen = statements.flatMap((soql) => [...soql.matchAll(/'([^']+)'/g)].map((m) => m[1]));
    expect(seen).toEqual(ids);
  });

  it('counts the length as sent: quotes and parentheses are percent-encoded like a URL parser does', () => {
    const soql = buildSelect({
      object: 'Account',
      fields: ['Id'],
      where: inList('Id', [stringLiteral("a'b")]),
    });
    const sent = new URL(`http://crm.invalid/query?q=${encodeSoqlParameter(soql)}`);
    expect(sent.search.length - '?q='.length).toBe(encodedLength(soql));
    expect(new URLSearchParams(sent.search).get('q')).toBe(soql);
  });

  it('chunks values that grow when URL-encoded by their encoded size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 300 }),
        (values) => {
          const bound = 2_000;
          const statements = chunkInList(values, stringLiteral, render, bound);
          for (const soql of statements) expect(encodedLength(soql)).toBeLessThanOrEqual(bound);
          const count = statements.reduce(
            (n, soql) =>
              n + ((parseQuery(soql).where as WhereClause).left as { value: string[] }).value.length,
            0,
          );
          expect(count).toBe(values.length);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('customer ids', () => {
  it('tells an ERP GUID from a Salesforce id and refuses anything else', () => {
    expect(classifyCustomerId('6F9619FF-8B86-D011-B42D-00C04FC964FF')).toEqual({
      kind: 'erp',
      guid: '6f9619ff-8b86-d011-b42d-00c04fc964ff',
    });
    expect(toSalesforceId18('001000000000001')).toBe('001000000000001AAA');
    expect(toSalesforceId18('001Ab0000000001')).toBe('001Ab0000000001IAA');
    expect(classifyCustomerId('001000000000001AAA')).toEqual({
      kind: 'crm',
      accountId: '001000000000001AAA',
    });
    expect(classifyCustomerId("x' OR Id != '")).toEqual({ kind: 'invalid' });
    expect(classifyCustomerId('')).toEqual({ kind: 'invalid' });
  });
});

describe('date-time literals', () => {
  it('writes what Salesforce sends (+0000) and ISO offsets as UTC instants', () => {
    expect(dateTimeLiteral('2026-02-15T14:57:22.571+0000')).toBe('2026-02-15T14:57:22.571Z');
    expect(dateTimeLiteral('2026-02-15T16:57:22+02:00')).toBe('2026-02-15T14:57:22.000Z');
    for (const bad of [
      '2026-02-15',
      '2026-02-15T14:57:22',
      "2026-02-15T14:57:22Z' OR Id != '",
      '2026-13-45T99:99:99Z',
    ]) {
      expect(() => dateTimeLiteral(bad)).toThrow(TypeError);
    }
  });

  it('a keyset over a date-time order parses as a SOQL date-time comparison', () => {
    const condition = keysetAfter(CHILD_LISTS.events.orderBy, [
      '2026-02-15T14:57:22.571+0000',
      '00U000000000001AAA',
    ]);
    const where = parseQuery(buildSelect({ object: 'Event', fields: ['Id'], where: condition }))
      .where as WhereClause;
    expect(JSON.stringify(where)).toContain('"literalType":"DATETIME"');
  });
});
