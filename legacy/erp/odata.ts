import type { ColumnKind, TableDef } from '../generator/model.js';
import { badRequest, invalidToken, unknownProperty } from './errors.js';

/**
 * The OData v4 query language subset Business Central's API v2.0 accepts, parsed by hand into
 * a small AST and compiled to parameterised SQL: values are always bound, never spliced;
 * identifiers only ever come from the storage model, so an unknown name is refused before any
 * SQL is written.
 */

/** What the compiler needs to know about the entity type a query runs against. */
export interface QueryTarget {
  readonly table: TableDef;
  /** Edm type name without namespace, e.g. `customer`; used in BC's messages. */
  readonly typeName: string;
}

// ---------------------------------------------------------------- tokens

type TokenKind =
  | 'ident'
  | 'string'
  | 'number'
  | 'guid'
  | 'date'
  | 'datetime'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'colon'
  | 'slash'
  | 'end';

interface Token {
  kind: TokenKind;
  text: string;
  /** Decoded value for string literals. */
  value?: string;
  pos: number;
}

const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})(?![\w:.])/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?![\w:.-])/;
const NUMBER_RE = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])/;
const IDENT_RE = /^[A-Za-z_][\w.]*/;
export const GUID_ONLY_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function syntaxError(pos: number, text: string): never {
  throw invalidToken(`Syntax error at position ${pos} in '${text}'.`);
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      i += 1;
      continue;
    }
    const rest = text.slice(i);
    const single: Partial<Record<string, TokenKind>> = {
      '(': 'lparen',
      ')': 'rparen',
      ',': 'comma',
      ':': 'colon',
      '/': 'slash',
    };
    const singleKind = single[ch];
    if (singleKind) {
      tokens.push({ kind: singleKind, text: ch, pos: i });
      i += 1;
      continue;
    }
    if (ch === "'") {
      // OData escapes a quote inside a string literal by doubling it; nothing else is special.
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length)
          throw invalidToken(`There is an unterminated string literal at position ${i} in '${text}'.`);
        const c = text[j]!;
        if (c === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += c;
        j += 1;
      }
      tokens.push({ kind: 'string', text: text.slice(i, j + 1), value, pos: i });
      i = j + 1;
      continue;
    }
    const match =
      (GUID_RE.exec(rest) && { kind: 'guid' as const, m: GUID_RE.exec(rest)! }) ||
      (DATETIME_RE.exec(rest) && { kind: 'datetime' as const, m: DATETIME_RE.exec(rest)! }) ||
      (DATE_RE.exec(rest) && { kind: 'date' as const, m: DATE_RE.exec(rest)! }) ||
      (NUMBER_RE.exec(rest) && { kind: 'number' as const, m: NUMBER_RE.exec(rest)! }) ||
      (IDENT_RE.exec(rest) && { kind: 'ident' as const, m: IDENT_RE.exec(rest)! });
    if (!match) syntaxError(i, text);
    tokens.push({ kind: match.kind, text: match.m[0], pos: i });
    i += match.m[0].length;
  }
  tokens.push({ kind: 'end', text: '', pos: text.length });
  return tokens;
}

// ---------------------------------------------------------------- filter AST

export type Literal =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'guid'; value: string }
  | { type: 'date'; value: string }
  | { type: 'datetime'; value: string }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' };

export type ComparisonOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type StringFunction = 'contains' | 'startswith' | 'endswith';

export type FilterExpr =
  | { kind: 'and'; left: FilterExpr; right: FilterExpr }
  | { kind: 'or'; left: FilterExpr; right: FilterExpr }
  | { kind: 'cmp'; op: ComparisonOp; field: string; value: Literal }
  | { kind: 'fn'; fn: StringFunction; field: string; value: string }
  /** A lambda (any/all): Business Central ignores these, so the stand-in does too. */
  | { kind: 'ignored' };

const COMPARISON: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FLIPPED: Record<ComparisonOp, ComparisonOp> = {
  eq: 'eq',
  ne: 'ne',
  gt: 'lt',
  ge: 'le',
  lt: 'gt',
  le: 'ge',
};
const STRING_FUNCTIONS: ReadonlySet<string> = new Set(['contains', 'startswith', 'endswith']);
const UNSUPPORTED_OPERATORS: ReadonlySet<string> = new Set(['in', 'has', 'add', 'sub', 'mul', 'div', 'mod']);

class FilterParser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
  ) {}

  parse(): FilterExpr {
    if (this.peek().kind === 'end') syntaxError(0, this.text);
    const expr = this.parseOr();
    if (this.peek().kind !== 'end') this.fail(this.peek());
    return expr;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    this.i += 1;
    return t;
  }
  private fail(t: Token): never {
    syntaxError(t.pos, this.text);
  }
  private expect(kind: TokenKind): Token {
    const t = this.next();
    if (t.kind !== kind) this.fail(t);
    return t;
  }
  private isKeyword(t: Token, word: string): boolean {
    return t.kind === 'ident' && t.text === word;
  }

  private parseOr(): FilterExpr {
    let left = this.parseAnd();
    while (this.isKeyword(this.peek(), 'or')) {
      this.next();
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterExpr {
    let left = this.parsePrimary();
    while (this.isKeyword(this.peek(), 'and')) {
      this.next();
      left = { kind: 'and', left, right: this.parsePrimary() };
    }
    return left;
  }

  private parsePrimary(): FilterExpr {
    const t = this.peek();
    if (t.kind === 'lparen') {
      this.next();
      const inner = this.parseOr();
      this.expect('rparen');
      return inner;
    }
    if (this.isKeyword(t, 'not')) {
      throw invalidToken(`The 'not' operator is not supported (position ${t.pos} in '${this.text}').`);
    }
    if (t.kind === 'ident' && this.peek(1).kind === 'lparen' && !isLiteralKeyword(t.text)) {
      return this.parseFunction();
    }
    if (t.kind === 'ident' && this.peek(1).kind === 'slash') return this.parseLambda();
    const left = this.parseOperand();
    const opToken = this.next();
    if (opToken.kind === 'ident' && UNSUPPORTED_OPERATORS.has(opToken.text)) {
      throw invalidToken(
        `The '${opToken.text}' operator is not supported (position ${opToken.pos} in '${this.text}').`,
      );
    }
    if (opToken.kind !== 'ident' || !COMPARISON.has(opToken.text)) this.fail(opToken);
    const op = opToken.text as ComparisonOp;
    const right = this.parseOperand();
    if ('field' in left && 'literal' in right)
      return { kind: 'cmp', op, field: left.field, value: right.literal };
    if ('literal' in left && 'field' in right)
      return { kind: 'cmp', op: FLIPPED[op], field: right.field, value: left.literal };
    throw invalidToken(
      `A comparison must have one property and one literal (position ${t.pos} in '${this.text}').`,
    );
  }

  private parseOperand(): { field: string } | { literal: Literal } {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return { literal: { type: 'string', value: t.value! } };
      case 'number': {
        const value = Number(t.text);
        if (!Number.isFinite(value)) this.fail(t);
        return { literal: { type: 'number', value } };
      }
      case 'guid':
        return { literal: { type: 'guid', value: t.text.toLowerCase() } };
      case 'date':
        return { literal: { type: 'date', value: t.text } };
      case 'datetime':
        return { literal: { type: 'datetime', value: t.text } };
      case 'ident':
        if (t.text === 'true' || t.text === 'false')
          return { literal: { type: 'boolean', value: t.text === 'true' } };
        if (t.text === 'null') return { literal: { type: 'null' } };
        if (COMPARISON.has(t.text) || t.text === 'and' || t.text === 'or') this.fail(t);
        return { field: t.text };
      default:
        this.fail(t);
    }
  }

  private parseFunction(): FilterExpr {
    const name = this.next();
    if (!STRING_FUNCTIONS.has(name.text)) {
      throw invalidToken(`An unknown function with name '${name.text}' was found.`);
    }
    this.expect('lparen');
    const field = this.expect('ident');
    this.expect('comma');
    const value = this.next();
    if (value.kind !== 'string') this.fail(value);
    this.expect('rparen');
    const expr: FilterExpr = {
      kind: 'fn',
      fn: name.text as StringFunction,
      field: field.text,
      value: value.value!,
    };
    // `contains(x,'a') eq true` is the same predicate spelled longer.
    if (this.isKeyword(this.peek(), 'eq') && this.isKeyword(this.peek(1), 'true')) {
      this.i += 2;
    }
    return expr;
  }

  /** `lines/any(l: l.quantity gt 1)`: checked for balance, then ignored as BC ignores it. */
  private parseLambda(): FilterExpr {
    this.next();
    this.expect('slash');
    const op = this.expect('ident');
    if (op.text !== 'any' && op.text !== 'all') this.fail(op);
    this.expect('lparen');
    let depth = 1;
    while (depth > 0) {
      const t = this.next();
      if (t.kind === 'end') this.fail(t);
      if (t.kind === 'lparen') depth += 1;
      if (t.kind === 'rparen') depth -= 1;
    }
    return { kind: 'ignored' };
  }
}

function isLiteralKeyword(word: string): boolean {
  return word === 'true' || word === 'false' || word === 'null';
}

export function parseFilter(text: string): FilterExpr {
  return new FilterParser(tokenize(text), text).parse();
}

// ---------------------------------------------------------------- filter → SQL

/** How Business Central renders "no value" for each kind: it never sends JSON null. */
export const EMPTY_VALUE: Record<ColumnKind, string | number | boolean> = {
  guid: '00000000-0000-0000-0000-000000000000',
  id18: '',
  text: '',
  date: '0001-01-01',
  datetime: '0001-01-01T00:00:00Z',
  integer: 0,
  decimal: 0,
  boolean: false,
};

export function quoteIdent(name: string): string {
  return `"${name}"`;
}

function edmType(kind: ColumnKind): string {
  switch (kind) {
    case 'guid':
      return 'Edm.Guid';
    case 'date':
      return 'Edm.Date';
    case 'datetime':
      return 'Edm.DateTimeOffset';
    case 'integer':
      return 'Edm.Int32';
    case 'decimal':
      return 'Edm.Decimal';
    case 'boolean':
      return 'Edm.Boolean';
    default:
      return 'Edm.String';
  }
}

function literalEdm(lit: Literal): string {
  return {
    string: 'Edm.String',
    number: 'Edm.Decimal',
    guid: 'Edm.Guid',
    date: 'Edm.Date',
    datetime: 'Edm.DateTimeOffset',
    boolean: 'Edm.Boolean',
    null: 'null',
  }[lit.type];
}

/** Normalises a datetime literal to the stored form (ISO 8601, milliseconds, Z). */
export function normaliseDateTime(text: string): string | null {
  // Date.parse rolls 2024-02-30 over into March; BC refuses such a date.
  if (!isValidDate(text.slice(0, 10))) return null;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  return new Date(ms).toISOString();
}

function isValidDate(text: string): boolean {
  const ms = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

/** Converts a literal to the SQLite value for a column, or refuses it as BC would. */
function bindValue(kind: ColumnKind, lit: Literal, op: string): string | number | null {
  const mismatch = () =>
    invalidToken(
      `A binary operator with incompatible types was detected. Found operand types '${edmType(kind)}' and '${literalEdm(lit)}' for operator kind '${op}'.`,
    );
  if (lit.type === 'null') return null;
  switch (kind) {
    case 'text':
    case 'id18':
      if (lit.type !== 'string') throw mismatch();
      return lit.value;
    case 'guid':
      if (lit.type === 'guid') return lit.value;
      if (lit.type === 'string' && GUID_ONLY_RE.test(lit.value)) return lit.value.toLowerCase();
      throw mismatch();
    case 'date':
      if (lit.type !== 'date' || !isValidDate(lit.value)) throw mismatch();
      return lit.value;
    case 'datetime': {
      const source =
        lit.type === 'date' ? `${lit.value}T00:00:00Z` : lit.type === 'datetime' ? lit.value : null;
      const normal = source === null ? null : normaliseDateTime(source);
      if (normal === null) throw mismatch();
      return normal;
    }
    case 'integer':
    case 'decimal':
      if (lit.type !== 'number') throw mismatch();
      return lit.value;
    case 'boolean':
      if (lit.type !== 'boolean') throw mismatch();
      return lit.value ? 1 : 0;
  }
}

function compare(a: string | number, b: string | number, op: ComparisonOp): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
}

const SQL_OP: Record<ComparisonOp, string> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' };

export function fieldsOf(expr: FilterExpr, out: Set<string> = new Set()): Set<string> {
  if (expr.kind === 'and' || expr.kind === 'or') {
    fieldsOf(expr.left, out);
    fieldsOf(expr.right, out);
  } else if (expr.kind !== 'ignored') {
    out.add(expr.field);
  }
  return out;
}

/** Code points, which is what SQLite's substr() counts in TEXT. */
function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n += 1;
  return n;
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[]/g, (c) => `[${c}]`);
}

/**
 * `alias` prefixes each column (`"o".`), or maps a field to the SQL expression that computes it
 * (the reporting sets, whose fields are expressions over joined tables; those are compared as
 * computed, a NULL matching only `eq null`).
 *
 * `holdsNull` says whether a stored column may hold a NULL right now (the default: it may). A
 * blank stored as NULL matches whatever its empty value matches, through an `IS NULL OR` branch;
 * SQLite plans that branch as a second index read whose rows it must sort, so a date range
 * ordered by its date reads and sorts the whole range. Without NULLs in the column the branch
 * can match nothing and is left out; so it is when the filter's own conjuncts keep the blank out
 * (`postingDate ge 2025-06-01 and postingDate le 2026-06-30`: a NULL fails the first).
 */
export function compileFilter(
  expr: FilterExpr,
  target: QueryTarget,
  params: unknown[],
  alias: string | ((field: string) => string) = '',
  holdsNull: (field: string) => boolean = () => true,
): string {
  const column = (field: string): ColumnKind => {
    const kind = target.table.columns[field];
    if (kind === undefined) throw unknownProperty(field, target.typeName);
    return kind;
  };
  const ref = typeof alias === 'function' ? alias : (field: string) => `${alias}${quoteIdent(field)}`;
  const excludesBlank = blankExcluded(expr, target);
  const mayBeNull = (field: string) => !excludesBlank.has(field) && holdsNull(field);

  const walk = (e: FilterExpr): string => {
    switch (e.kind) {
      case 'ignored':
        return '1';
      case 'and':
        return `(${walk(e.left)} AND ${walk(e.right)})`;
      case 'or': {
        // Business Central turns a filter into per-field AL filters, which can only OR values
        // of one field; across fields it refuses the whole request.
        const fields = fieldsOf(e, new Set());
        if (fields.size > 1) {
          throw invalidToken(
            `The 'or' operator is only supported between conditions on the same field; found ${[...fields]
              .map((f) => `'${f}'`)
              .join(', ')}.`,
          );
        }
        return `(${walk(e.left)} OR ${walk(e.right)})`;
      }
      case 'fn': {
        const kind = column(e.field);
        if (kind !== 'text' && kind !== 'id18') {
          throw invalidToken(
            `No function signature for the function with name '${e.fn}' matches the specified arguments ('${edmType(kind)}').`,
          );
        }
        let sql: string;
        if (e.value === '') return '1';
        if (e.fn === 'contains') {
          params.push(e.value);
          sql = `instr(${ref(e.field)}, ?) > 0`;
        } else if (e.fn === 'startswith') {
          // GLOB is case-sensitive like the stored keys and can use the column's index.
          params.push(escapeGlob(e.value) + '*');
          sql = `${ref(e.field)} GLOB ?`;
        } else {
          params.push(-charLength(e.value), e.value);
          sql = `substr(${ref(e.field)}, ?) = ?`;
        }
        return sql;
      }
      case 'cmp': {
        const kind = column(e.field);
        const value = bindValue(kind, e.value, e.op);
        const empty = EMPTY_VALUE[kind];
        const emptyBound = typeof empty === 'boolean' ? (empty ? 1 : 0) : empty;
        if (value === null) {
          // BC has no nulls: `eq null` means "has no value", which is also how it renders one.
          if (e.op === 'eq') {
            params.push(emptyBound);
            if (!mayBeNull(e.field)) return `${ref(e.field)} = ?`;
            return `(${ref(e.field)} IS NULL OR ${ref(e.field)} = ?)`;
          }
          if (e.op === 'ne') {
            params.push(emptyBound);
            return `(${ref(e.field)} IS NOT NULL AND ${ref(e.field)} <> ?)`;
          }
          throw invalidToken(`The operator '${e.op}' cannot be used with null.`);
        }
        params.push(value);
        const sql = `${ref(e.field)} ${SQL_OP[e.op]} ?`;
        // A stored NULL is shown as the kind's empty value, so it matches whenever that value does.
        // An expression (the reporting sets) is compared as it is, so a date range stays a range
        // on the date's index.
        if (typeof alias === 'function') return sql;
        return compare(emptyBound, value, e.op) && mayBeNull(e.field)
          ? `(${ref(e.field)} IS NULL OR ${sql})`
          : sql;
      }
    }
  };
  return walk(expr);
}

/**
 * Fields that one of the filter's top-level conjuncts compares to a value their blank does not
 * meet: a row with a NULL there fails the whole filter, whatever the other conjuncts say.
 * A conjunct in error is skipped here; compiling it reports the error.
 */
function blankExcluded(expr: FilterExpr, target: QueryTarget): Set<string> {
  const fields = new Set<string>();
  const visit = (e: FilterExpr): void => {
    if (e.kind === 'and') {
      visit(e.left);
      visit(e.right);
      return;
    }
    if (e.kind !== 'cmp') return;
    const kind = target.table.columns[e.field];
    if (kind === undefined) return;
    try {
      const value = bindValue(kind, e.value, e.op);
      const empty = EMPTY_VALUE[kind];
      if (value !== null && !compare(typeof empty === 'boolean' ? (empty ? 1 : 0) : empty, value, e.op)) {
        fields.add(e.field);
      }
    } catch {
      // Reported by the compilation itself.
    }
  };
  visit(expr);
  return fields;
}

// ---------------------------------------------------------------- $select, $orderby, $expand

export interface OrderItem {
  field: string;
  desc: boolean;
}

/** Splits on a separator outside parentheses and quotes. */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth += 1;
    else if (!quoted && c === ')') {
      depth -= 1;
      if (depth < 0) throw invalidToken(`Unbalanced parentheses in '${text}'.`);
    } else if (!quoted && depth === 0 && c === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0 || quoted) throw invalidToken(`Unbalanced parentheses or quotes in '${text}'.`);
  parts.push(text.slice(start));
  return parts;
}

export function parseSelect(text: string, target: QueryTarget): string[] {
  const fields = splitTopLevel(text, ',').map((s) => s.trim());
  if (fields.some((f) => f === '')) throw invalidToken(`Syntax error in $select '${text}'.`);
  if (fields.includes('*')) return Object.keys(target.table.columns);
  for (const f of fields) {
    if (target.table.columns[f] === undefined) throw unknownProperty(f, target.typeName);
  }
  return [...new Set(fields)];
}

export function parseOrderBy(text: string, target: QueryTarget): OrderItem[] {
  const items = splitTopLevel(text, ',').map((part) => {
    const words = part.trim().split(/\s+/);
    const [field, direction, extra] = words;
    if (
      !field ||
      extra !== undefined ||
      (direction !== undefined && direction !== 'asc' && direction !== 'desc')
    ) {
      throw invalidToken(`Syntax error in $orderby '${text}'.`);
    }
    if (target.table.columns[field] === undefined) throw unknownProperty(field, target.typeName);
    return { field, desc: direction === 'desc' };
  });
  return items;
}

export function parseNonNegativeInt(name: string, text: string): number {
  if (!/^\d{1,9}$/.test(text.trim())) {
    throw invalidToken(`Invalid value '${text}' for ${name}: a non-negative integer is expected.`);
  }
  return Number(text.trim());
}

export function parseCount(text: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw invalidToken(`Invalid value '${text}' for $count: true or false is expected.`);
}

/** Query options the stand-in knows; others starting with `$` are refused, as BC refuses them. */
export const SUPPORTED_OPTIONS = new Set([
  '$filter',
  '$select',
  '$expand',
  '$orderby',
  '$top',
  '$skip',
  '$count',
  '$skiptoken',
  '$schemaversion',
  '$format',
]);

export function refuseUnknownOptions(names: Iterable<string>): void {
  for (const name of names) {
    if (name.startsWith('$') && !SUPPORTED_OPTIONS.has(name)) {
      throw badRequest(`The query parameter '${name}' is not supported.`);
    }
  }
}
