import type { Money } from './domain.js';

/**
 * Sums of money, exact: the clients hand amounts out as decimal text with two places
 * (lib/domain.ts Amount), and every sum of them is made here in integers, never in binary
 * floats. A weighted amount (amount × probability %) is kept to the millionth and rounded to the
 * cent only when read.
 */

/** Units per cent: amount × (a percent with two decimals) ÷ 100 stays whole in them. */
const CENT = 10_000n;

const AMOUNT_RE = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

/** The amount in cents: "12.5" → 1250n, "-0.07" → -7n. */
export function centsOf(amount: string): bigint {
  const match = AMOUNT_RE.exec(amount.trim());
  if (!match) throw new TypeError(`not a decimal amount: ${JSON.stringify(amount)}`);
  const cents = BigInt(match[2]!) * 100n + BigInt((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -cents : cents;
}

/** Cents as decimal text with two places: -7n → "-0.07"; never "-0.00". */
export function formatCents(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  const text = `${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
  return negative && abs !== 0n ? `-${text}` : text;
}

/** Half away from zero, as both systems round money. */
function roundToCents(units: bigint): bigint {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const cents = (abs + CENT / 2n) / CENT;
  return negative ? -cents : cents;
}

export class MoneyTotals {
  private readonly units = new Map<string, bigint>();

  add(amount: string, currencyCode: string): this {
    return this.addUnits(centsOf(amount) * CENT, currencyCode);
  }

  /** amount × percent ÷ 100 (a percent such as 62.5 is kept to two decimals). */
  addWeighted(amount: string, currencyCode: string, percent: number): this {
    const hundredths = BigInt(Math.round(percent * 100));
    return this.addUnits(centsOf(amount) * hundredths, currencyCode);
  }

  addMoney(money: readonly Money[]): this {
    for (const { amount, currencyCode } of money) this.add(amount, currencyCode);
    return this;
  }

  addAll(other: MoneyTotals): this {
    for (const [currencyCode, units] of other.units) this.addUnits(units, currencyCode);
    return this;
  }

  private addUnits(units: bigint, currencyCode: string): this {
    this.units.set(currencyCode, (this.units.get(currencyCode) ?? 0n) + units);
    return this;
  }

  /** One amount per currency that had any, by currency code. */
  list(): Money[] {
    return [...this.units.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currencyCode, units]) => ({ amount: formatCents(roundToCents(units)), currencyCode }));
  }

  /** The exact total in one currency as a number of cents (0 when it had none). */
  centsIn(currencyCode: string): bigint {
    return roundToCents(this.units.get(currencyCode) ?? 0n);
  }

  static of(money: readonly Money[]): MoneyTotals {
    return new MoneyTotals().addMoney(money);
  }
}
