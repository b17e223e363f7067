import fc from 'fast-check';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/logger.js';
import { readWorkflowsSubgraphConfig } from '../../subgraphs/workflows/config.js';
import { centsToDecimal, toCents } from '../../subgraphs/workflows/outcomes.js';
import {
  address,
  crmId,
  customerRef,
  email,
  idempotencyKey,
  integerInRange,
  isoTime,
  text,
} from '../../subgraphs/workflows/validation.js';
import { WriteBacks } from '../../subgraphs/workflows/writeBacks.js';

function refusal(fn: () => unknown): { code: unknown; field: unknown; reason: unknown } | 'accepted' {
  try {
    fn();
    return 'accepted';
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return { code: error.extensions.code, field: error.extensions.field, reason: error.extensions.reason };
  }
}

describe('idempotency keys', () => {
  it('accepts 1..255 printable ASCII characters without spaces, and nothing else', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\x21-\x7e]{1,255}$/), (key) => {
        expect(idempotencyKey('k', key)).toBe(key);
      }),
    );
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), (key) => {
        const valid = key.length <= 255 && /^[\x21-\x7e]+$/.test(key);
        const outcome = refusal(() => idempotencyKey('k', key));
        if (valid) expect(outcome).toBe('accepted');
        else expect(outcome).toMatchObject({ code: 'BAD_USER_INPUT', field: 'k' });
      }),
    );
    expect(refusal(() => idempotencyKey('k', ''))).toMatchObject({ reason: 'EMPTY' });
    expect(refusal(() => idempotencyKey('k', 'x'.repeat(256)))).toMatchObject({ reason: 'TOO_LONG' });
  });
});

describe('ids', () => {
  it('tells ERP GUIDs from CRM account ids and refuses the rest', () => {
    expect(customerRef('c', '017DE3ED-8B6E-4E1F-8241-4F063DEABB10')).toEqual({
      kind: 'erp',
      customerId: '017de3ed-8b6e-4e1f-8241-4f063deabb10',
    });
    expect(customerRef('c', '0015J000001abcdQAA')).toEqual({ kind: 'crm', accountId: '0015J000001abcdQAA' });
    for (const bad of [
      '',
      '0035J000001abcdQAA',
      "001' OR Id != '",
      '017de3ed-8b6e-4e1f-8241',
      '0015J000001abcdQAA1',
    ]) {
      expect(refusal(() => customerRef('c', bad))).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'INVALID_ID',
      });
    }
  });

  it('takes a Salesforce id only with the object’s key prefix', () => {
    expect(crmId('q', '0Q05J000002bsmVSAQ', 'quote')).toBe('0Q05J000002bsmVSAQ');
    expect(crmId('q', '0Q05J000002bsmV', 'quote')).toBe('0Q05J000002bsmV');
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (value) => {
        const outcome = refusal(() => crmId('q', value, 'quote'));
        if (outcome !== 'accepted') expect(outcome.reason).toBe('INVALID_ID');
        else expect(value).toMatch(/^0Q0[0-9A-Za-z]{12}([A-Z0-5]{3})?$/);
      }),
    );
  });
});

describe('text fields', () => {
  it('trims, refuses past the limit, control characters, and empty when required', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.integer({ min: 1, max: 40 }), (value, max) => {
        const outcome = refusal(() => text('f', value, max));
        const trimmed = value.trim();
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the rule under test
        if (trimmed.length > max || /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(trimmed)) {
          expect(outcome).toMatchObject({ code: 'BAD_USER_INPUT', field: 'f' });
        } else {
          expect(outcome).toBe('accepted');
          expect(text('f', value, max)).toBe(trimmed === '' ? null : trimmed);
        }
      }),
    );
    expect(refusal(() => text('f', '  ', 5, true))).toMatchObject({ reason: 'EMPTY' });
  });

  it('checks e-mails, dates and ranges', () => {
    expect(email('e', ' ada@example.com ')).toBe('ada@example.com');
    expect(refusal(() => email('e', 'ada@'))).toMatchObject({ reason: 'INVALID_FORMAT' });
    expect(isoTime('t', '2026-06-01')).toEqual({ date: '2026-06-01', dateTime: '2026-06-01T00:00:00.000Z' });
    expect(isoTime('t', '2026-06-01T12:00:00.000+0200')?.dateTime).toBe('2026-06-01T10:00:00.000Z');
    expect(isoTime('t', null)).toBeNull();
    expect(refusal(() => isoTime('t', '2026-13-45'))).toMatchObject({ reason: 'INVALID_FORMAT' });
    expect(refusal(() => isoTime('t', '0001-01-01'))).toMatchObject({ reason: 'OUT_OF_RANGE' });
    expect(integerInRange('n', 5, 1, 10)).toBe(5);
    expect(refusal(() => integerInRange('n', 0, 1, 10))).toMatchObject({ reason: 'OUT_OF_RANGE' });
  });

  it('holds an address to the stricter of the two systems’ limits', () => {
    const base = { street: 'Main 1', city: 'Oslo', postalCode: '0150', country: 'no' };
    expect(address('a', base)).toEqual({
      street: 'Main 1',
      street2: null,
      city: 'Oslo',
      state: null,
      postalCode: '0150',
      country: 'NO',
    });
    expect(refusal(() => address('a', { ...base, street: 's'.repeat(101) }))).toMatchObject({
      field: 'a.street',
      reason: 'TOO_LONG',
    });
    expect(refusal(() => address('a', { ...base, city: 'c'.repeat(31) }))).toMatchObject({
      field: 'a.city',
      reason: 'TOO_LONG',
    });
    expect(refusal(() => address('a', { ...base, country: 'NOR' }))).toMatchObject({
      field: 'a.country',
      reason: 'INVALID_FORMAT',
    });
  });
});

describe('money', () => {
  it('adds amounts in cents exactly and prints them as decimals', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000_00, max: 10_000_000_00 }), (cents) => {
        expect(toCents(Number(centsToDecimal(cents)))).toBe(cents);
      }),
    );
    expect(centsToDecimal(toCents(0.1) + toCents(0.2))).toBe('0.30');
    expect(centsToDecimal(-5)).toBe('-0.05');
  });
});

describe('write-back backoff', () => {
  it('doubles from the base up to the maximum, with jitter within the upper half', () => {
    const make = (random: number) =>
      new WriteBacks(
        null as never,
        null as never,
        null as never,
        { baseDelayMs: 1000, maxDelayMs: 8000, leaseMs: 1000, random: () => random },
        silentLogger,
      );
    const low = make(0);
    const high = make(0.999999);
    expect([1, 2, 3, 4, 5, 9].map((n) => low.delayAfter(n))).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    expect([1, 2, 3, 4, 5, 9].map((n) => high.delayAfter(n))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });
});

describe('configuration', () => {
  it('reads defaults, and names a bad variable', () => {
    const config = readWorkflowsSubgraphConfig({});
    expect(config).toMatchObject({
      port: 4003,
      dbPath: '.data/workflows.sqlite',
      leaseMs: 30_000,
      mirrorBillingAddressToCrm: true,
    });
    expect(() => readWorkflowsSubgraphConfig({ WORKFLOWS_LEASE_MS: 'x' })).toThrow(/WORKFLOWS_LEASE_MS/);
    expect(() =>
      readWorkflowsSubgraphConfig({ WORKFLOWS_RETRY_BASE_MS: '5000', WORKFLOWS_RETRY_MAX_MS: '10' }),
    ).toThrow(/WORKFLOWS_RETRY_MAX_MS/);
    expect(() => readWorkflowsSubgraphConfig({ WORKFLOWS_DATABASE_URL: 'postgres://localhost/x' })).toThrow(
      /WORKFLOWS_DATABASE_URL/,
    );
    expect(() => readWorkflowsSubgraphConfig({ ERP_COMPANY_ID: 'acme' })).toThrow(/ERP_COMPANY_ID/);
    expect(() => readWorkflowsSubgraphConfig({ WORKFLOWS_MIRROR_BILLING_CONTACT: 'maybe' })).toThrow(
      /WORKFLOWS_MIRROR_BILLING_CONTACT/,
    );
  });
});
