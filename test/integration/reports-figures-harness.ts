import { LOCAL_CURRENCY } from '../helpers/expected.js';

/**
 * What the tests of the reports' figures share: the reporting tool's scopes, the days they
 * reckon with, and money summed here from the stand-ins' raw rows, exactly, apart from the
 * subgraph's code.
 */

// biome-ignore lint/suspicious/noExplicitAny: answers are indexed as their query shapes them
export type Loose = any;
export type MoneyList = { amount: string; currencyCode: string }[];

/** What a reporting tool's token holds. */
export const REPORTER = ['reports:read', 'customer:read'];

export const MONEY = '{ amount currencyCode }';

export const todayUtc = () => new Date().toISOString().slice(0, 10);
export const addDays = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Sums per currency in millionths (amount × percent ÷ 100 stays whole), listed rounded half away from zero. */
export class Sums {
  private readonly units = new Map<string, bigint>();
  add(amount: number | null, currency: string | null, percent = 100): this {
    const code = currency && currency.trim() !== '' ? currency : LOCAL_CURRENCY;
    const cents = BigInt(Math.round((amount ?? 0) * 100));
    this.units.set(code, (this.units.get(code) ?? 0n) + cents * BigInt(Math.round(percent * 100)));
    return this;
  }
  list(): MoneyList {
    return [...this.units.keys()].sort().map((code) => {
      const units = this.units.get(code)!;
      const abs = units < 0n ? -units : units;
      const cents = (abs + 5_000n) / 10_000n;
      const text = `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
      return { amount: units < 0n && cents !== 0n ? `-${text}` : text, currencyCode: code };
    });
  }
}
