import { appError, LegacyError } from '../../../lib/errors.js';
import { cursorLink, decodeCursor, encodeCursor, pageSize, queryOf } from '../client/cursor.js';
import type { Page } from '../client/types.js';
import type { ErpContext } from '../context.js';

/** A Money value as the schema gives it. */
export interface MoneyValue {
  amount: string;
  currencyCode: string;
}

/**
 * BC amounts arrive as JSON numbers already rounded to the currency's 2 places; `toFixed(2)`
 * gives their exact decimal text (never exponent notation for amounts under 1e21).
 */
export function formatAmount(amount: number): string {
  if (!Number.isFinite(amount) || Math.abs(amount) >= 1e21) {
    throw new LegacyError('LEGACY_BAD_RESPONSE', 'ERP', 'The ERP answered with an unexpected amount.', {
      amount,
    });
  }
  const text = (Math.round(amount * 100) / 100).toFixed(2);
  return text === '-0.00' ? '0.00' : text;
}

/** BC leaves the currency code blank for the company's local currency. */
export function currencyOf(code: string | null | undefined, ctx: ErpContext): string {
  return code && code.trim() !== '' ? code.trim() : ctx.localCurrencyCode;
}

export function money(
  amount: number | null | undefined,
  currency: string | null | undefined,
  ctx: ErpContext,
): MoneyValue {
  return { amount: formatAmount(amount ?? 0), currencyCode: currencyOf(currency, ctx) };
}

/** BC's empty date is 0001-01-01; the graph says null. */
export function dateOf(value: string | null | undefined): string | null {
  if (!value || value.startsWith('0001-01-01')) return null;
  return value;
}

/** Empty text is null in the graph. */
export function textOf(value: string | null | undefined): string | null {
  return value === null || value === undefined || value.trim() === '' ? null : value;
}

/** A BC option value mapped to the schema's enum; an unknown one is the ERP breaking its contract. */
export function enumOf<T extends string>(
  map: Readonly<Record<string, T>>,
  value: string | null | undefined,
  what: string,
): T {
  if (value !== null && value !== undefined && Object.hasOwn(map, value)) return map[value]!;
  throw new LegacyError('LEGACY_BAD_RESPONSE', 'ERP', `The ERP answered with an unknown ${what}.`, { value });
}

/** Input text bounded as BC's Code[20] fields are. */
export function codeArgument(value: string, argument: string, maxLength = 20): string {
  if (value.trim() === '' || value.length > maxLength) {
    throw appError('BAD_USER_INPUT', `\`${argument}\` must be 1 to ${maxLength} characters.`, { argument });
  }
  return value;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

/**
 * One page of a list whose first page is `firstLink`, read through the request's `pages`
 * loader so every such list in the request shares `$batch` envelopes. `after` must be a
 * cursor for this very list (see cursor.ts); the last edge's cursor wraps BC's nextLink.
 */
export async function loadConnection<T>(
  ctx: ErpContext,
  firstLink: string,
  first: number | null | undefined,
  after: string | null | undefined,
  /** The customer whose documents the list holds: the shared cache forgets it on that customer's writes. */
  customerId?: string,
): Promise<Connection<T>> {
  const size = pageSize(first);
  let link = firstLink;
  let skip = 0;
  if (after !== null && after !== undefined) {
    const cursor = decodeCursor(after);
    link = cursorLink(cursor, firstLink);
    skip = cursor.skip;
  }
  const page = (await ctx.loaders.pages.load({
    link,
    pageSize: size + skip,
    ...(customerId ? { customerId } : {}),
  })) as Page<T>;
  const rows = page.rows.slice(skip, skip + size);
  const edges = rows.map((node, index) => {
    const last = index === rows.length - 1;
    const cursor =
      last && page.nextLink !== null
        ? { query: queryOf(page.nextLink), skip: 0 }
        : { query: queryOf(link), skip: skip + index + 1 };
    return { node, cursor: encodeCursor(cursor) };
  });
  return {
    edges,
    pageInfo: {
      hasNextPage: page.nextLink !== null,
      hasPreviousPage: after !== null && after !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      // Rows may have changed since the cursor was issued: with none left on this page, the
      // list still continues from BC's next link.
      endCursor:
        edges.at(-1)?.cursor ??
        (page.nextLink === null ? null : encodeCursor({ query: queryOf(page.nextLink), skip: 0 })),
    },
  };
}

/** The item a document line sells: only `Item` lines name one (others are G/L accounts, resources, comments). */
export function productOfLine(
  line: { lineType: string | null; lineObjectNumber: string | null },
  ctx: ErpContext,
) {
  return line.lineType === 'Item' && line.lineObjectNumber
    ? ctx.loaders.itemByNumber.load(line.lineObjectNumber)
    : null;
}

/** The ship-to address of a sales document, as the ERP holds it. */
export function shipToAddress(document: {
  shipToAddressLine1: string | null;
  shipToAddressLine2: string | null;
  shipToCity: string | null;
  shipToState: string | null;
  shipToCountry: string | null;
  shipToPostCode: string | null;
}) {
  const street = [textOf(document.shipToAddressLine1), textOf(document.shipToAddressLine2)].filter(
    (line) => line !== null,
  );
  const address = {
    purpose: 'SHIPPING' as const,
    source: 'ERP' as const,
    street: street.length === 0 ? null : street.join('\n'),
    city: textOf(document.shipToCity),
    state: textOf(document.shipToState),
    postalCode: textOf(document.shipToPostCode),
    country: textOf(document.shipToCountry),
  };
  const empty = [address.street, address.city, address.state, address.postalCode, address.country].every(
    (v) => v === null,
  );
  return empty ? null : address;
}

/**
 * A key field of an entity representation (from the gateway's `_entities` call): a non-empty
 * string of bounded length, else BAD_USER_INPUT — `_Any` lets any JSON through.
 */
export function referenceKey(reference: object, field: string, type: string, maxLength: number): string {
  const value = (reference as Record<string, unknown>)[field];
  if (typeof value !== 'string' || value.trim() === '' || value.length > maxLength) {
    throw appError(
      'BAD_USER_INPUT',
      `The ${type} representation needs \`${field}\` as a string of 1 to ${maxLength} characters.`,
      { argument: 'representations' },
    );
  }
  return value;
}

/** Ids and e-mails are bounded far above any real one; numbers and SKUs are BC Code[20]. */
export const MAX_ID_LENGTH = 256;
export const MAX_CODE_LENGTH = 20;
