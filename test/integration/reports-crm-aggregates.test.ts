import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmStandIn } from '../../legacy/crm/createCrmStandIn.js';
import { openDataset } from '../../legacy/generator/open.js';
import type { SimStats } from '../../legacy/sim/simulator.js';
import { fixedTokenSource } from '../../lib/legacyCredentials.js';
import { CrmAggregates } from '../../subgraphs/crm/client/aggregates.js';
import { CrmClient } from '../../subgraphs/crm/client/crmClient.js';
import { closeServer, listen } from '../helpers/servers.js';

/**
 * The reports' CRM aggregate client against the CRM stand-in: a statement whose groups pass the
 * rows Salesforce answers at once (2,000; here 20, so the 300-customer data set needs
 * several pages) is read in pages of whole groups and gives the same figures as one page; the
 * pages of several statements go out together, so the round trips follow the largest statement's
 * pages, not their sum.
 */

const TOKEN = 'crm-aggregates-token';
const dataset = openDataset({ customers: 300 });
let base = '';
let close: () => Promise<void>;
let client: CrmClient;

beforeAll(async () => {
  const standIn = createCrmStandIn({ db: dataset.crm, token: TOKEN });
  base = await listen(standIn.server);
  close = () => closeServer(standIn.server);
  client = new CrmClient({
    crmUrl: base,
    credentials: fixedTokenSource('CRM', TOKEN),
    apiVersion: 'v62.0',
    timeoutMs: 30_000,
    maxRetries: 0,
    maxConnections: 5,
  });
});

afterAll(async () => {
  await client?.close();
  await close?.();
  dataset.close();
});

const stats = async (): Promise<SimStats> => (await fetch(`${base}/__sim/stats`)).json() as Promise<SimStats>;
const reset = () => fetch(`${base}/__sim/reset`, { method: 'POST' });

describe('paged aggregate statements', () => {
  it('read in pages of whole groups equal one page, every group once', async () => {
    const whole = new CrmAggregates(client, { defaultCurrencyCode: 'USD' });
    const paged = new CrmAggregates(client, { defaultCurrencyCode: 'USD', maxRows: 20 });
    const statements = (aggregates: CrmAggregates) =>
      [
        aggregates.opportunityTotals({ state: 'OPEN', groupBy: 'OWNER' }, 'document'),
        aggregates.opportunityTotals({ state: 'WON', groupBy: 'REGION' }, 'document'),
        aggregates.opportunityTotals({ state: 'OPEN', groupBy: 'CAMPAIGN' }, 'document'),
        aggregates.productTotals(
          { state: 'OPEN', close: { from: '2000-01-01', to: '2100-12-31' } },
          'document',
        ),
        aggregates.campaignCustomerCounts(undefined, 'document'),
      ] as const;
    const sorted = (rows: readonly unknown[]) => rows.map((row) => JSON.stringify(row)).sort();

    await reset();
    const once = await whole.runAll(statements(whole), 'test');
    const oneRead = await stats();
    await reset();
    const pages = await paged.runAll(statements(paged), 'test');
    const pagedRead = await stats();

    for (const [index, read] of once.entries())
      expect(sorted(pages[index]!.figures)).toEqual(sorted(read.figures));
    // Worth something only where statements needed pages: most of them here.
    expect(once.filter((read) => read.figures.length > 20).length).toBeGreaterThanOrEqual(3);
    // Owners with their emails each once per currency and probability: no group read twice.
    const ownerKeys = pages[0].figures.map((row) => `${row.group}|${row.currencyCode}|${row.probability}`);
    expect(new Set(ownerKeys).size).toBe(ownerKeys.length);
    // One composite of the five statements; then the pages go on together, round by round.
    expect(oneRead.roundTrips).toBe(1);
    // Each page of 20 rows holds at least the groups of one key (at most 16 rows: 4 currencies × 4 probabilities).
    const rounds = Math.max(...once.map((read) => Math.ceil(read.figures.length / 4)));
    expect(pagedRead.roundTrips).toBeGreaterThan(1);
    expect(pagedRead.sequentialDepth).toBeLessThanOrEqual(rounds + 1);
  });
});
