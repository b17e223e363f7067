import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../helpers/stack.js';
import {
  accounts,
  expectedConflicts,
  expectedCrmOnly,
  expectedDuplicates,
  expectedErpOnly,
  expectedProspects,
  type ListName,
  REPORTER,
  Reporter,
} from './reports-data-quality-harness.js';

/**
 * The data-quality lists cost the same per page on 1,000 customers as on 100,000 (the
 * generator's large data set, written once into .data/ — minutes the first time, hence the long
 * timeouts), and on 100,000 the counts still equal the raw rows', the pair scan costing one CRM
 * query and one ERP request per 2,000 linked accounts. Only reads: the large data set is shared
 * with other test files.
 */

const sizes = { small: 1000, large: 100_000 } as const;
const running: Partial<Record<keyof typeof sizes, { stack: Stack; reporter: Reporter }>> = {};

beforeAll(async () => {
  for (const [name, customers] of Object.entries(sizes) as [keyof typeof sizes, number][]) {
    // This test counts calls: a slow stand-in on a loaded machine must not decide it.
    const stack = await startStack({
      customers,
      legacyTimeoutMs: { erp: 60_000, crm: 60_000 },
      subgraphTimeoutMs: 120_000,
    });
    running[name] = { stack, reporter: new Reporter(stack, await stack.tokenFor({ scopes: REPORTER })) };
  }
}, 600_000);

afterAll(async () => {
  for (const r of Object.values(running)) await r.stack.close();
});

const LIST_COST: [ListName, Record<string, unknown>, { erp: number; crm: number }][] = [
  ['crmOnly', { p: true }, { erp: 0, crm: 1 }],
  ['erpOnly', {}, { erp: 1, crm: 1 }],
  ['duplicates', {}, { erp: 0, crm: 2 }],
  ['conflicts', {}, { erp: 1, crm: 1 }],
];

describe('round trips per page on 1,000 and on 100,000 customers', () => {
  it.each(LIST_COST)(
    '%s: the first page and the next, alike',
    async (list, variables, expected) => {
      for (const { reporter } of Object.values(running)) {
        let after: string | null = null;
        for (let index = 0; index < 2; index += 1) {
          let endCursor: string | null = null;
          const cost = await reporter.roundTripsOf(async () => {
            const page = await reporter.page(list, { ...variables, first: 5, after });
            expect(page.pageInfo.hasNextPage).toBe(true);
            endCursor = page.pageInfo.endCursor;
          });
          expect(cost).toEqual(expected);
          after = endCursor;
        }
      }
    },
    120_000,
  );
});

describe('counts on 100,000 customers', () => {
  it('equal the raw rows, one CRM query and one ERP request per 2,000 linked accounts', async () => {
    const { stack, reporter } = running.large!;
    const { dataset } = stack;
    const linked = accounts(dataset).filter((a) => a.ERP_Customer_Id__c !== null).length;
    const duplicates = expectedDuplicates(dataset).size;
    expect(duplicates).toBeGreaterThan(0);
    const cost = await reporter.roundTripsOf(async () => {
      const answer = await reporter.query(
        '{ dataQuality { counts { crmOnlyAccounts prospects erpOnlyCustomers duplicateAccounts fieldConflicts } } }',
      );
      expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
      expect(answer.body.data.dataQuality.counts).toEqual({
        crmOnlyAccounts: expectedCrmOnly(dataset, false).length,
        prospects: expectedProspects(dataset).length,
        erpOnlyCustomers: expectedErpOnly(dataset).length,
        duplicateAccounts: duplicates,
        fieldConflicts: expectedConflicts(dataset).length,
      });
    });
    // Salesforce answers the linked accounts in batches of 2,000 (one query, then its locator),
    // the ERP its customers in pages of 2,000; aggregates beyond 2,000 groups take one query per
    // further 2,000.
    const erpCustomers = dataset.erp.prepare('SELECT count(*) AS n FROM customers').pluck().get() as number;
    expect(cost).toEqual({
      crm: 1 + Math.ceil(linked / 2000) + Math.floor(duplicates / 2000),
      erp: Math.ceil(erpCustomers / 2000),
    });
  }, 600_000);
});
