import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dataset, openDataset } from '../../legacy/generator/open.js';
import type { SimStats } from '../../legacy/sim/simulator.js';
import {
  type RunningStandIn,
  type RunningSubgraph,
  startStandIn,
  startSubgraph,
} from './erp-subgraph-harness.js';
import { costOf, type ListName, listQuery } from './erp-subgraph-lists-harness.js';

/**
 * The ERP's lists across all customers cost the same per page on 1,000 customers as on
 * 100,000 (the generator's large data set, written once into .data/ — about two minutes the
 * first time, hence the long timeouts): a page is one GET for the list and one lookup per
 * nested collection, whatever the size of the page or of the data. Only reads: the large data
 * set is shared with other test files.
 */

interface Running {
  dataset: Dataset;
  erp: RunningStandIn;
  subgraph: RunningSubgraph;
}

const sizes = { small: 1000, large: 100_000 } as const;
const running: Partial<Record<keyof typeof sizes, Running>> = {};

beforeAll(async () => {
  for (const [name, customers] of Object.entries(sizes) as [keyof typeof sizes, number][]) {
    const dataset = openDataset({ customers });
    const erp = await startStandIn(dataset.erp, dataset.summary.companyId);
    // The stand-in answers a continuation page over 100,000 customers in seconds on a loaded
    // machine (SQLite plans BC's "blank dates match `le`" rule as an OR over the date index):
    // this test counts calls, so the ERP timeout must not be what decides it.
    const subgraph = await startSubgraph(erp.base, {
      companyId: dataset.summary.companyId,
      timeoutMs: 60_000,
    });
    running[name] = { dataset, erp, subgraph };
  }
}, 600_000);

afterAll(async () => {
  for (const r of Object.values(running)) {
    await r.subgraph.close();
    await r.erp.close();
    r.dataset.close();
  }
});

const FILTERS: Record<ListName, Record<string, unknown>> = {
  salesOrders: { status: ['RELEASED', 'OPEN'] },
  invoices: { onlyOpen: true },
  payments: { postingDateFrom: '2025-06-01' },
};
const LIST_ROUTES: Record<ListName, string> = {
  salesOrders: 'GET /salesOrders',
  invoices: 'GET /salesInvoices',
  payments: 'GET /customerPayments',
};

/** The first page of `first` rows and the page after it, each counted on its own. */
async function twoPages(r: Running, list: ListName, first: number): Promise<SimStats[]> {
  let after: string | null = null;
  const stats: SimStats[] = [];
  for (let page = 0; page < 2; page += 1) {
    stats.push(
      await costOf(r.erp, async () => {
        const { body } = await r.subgraph.gql(listQuery(list), { filter: FILTERS[list], first, after });
        expect(body.errors).toBeUndefined();
        expect(body.data[list].edges).toHaveLength(first);
        after = body.data[list].pageInfo.endCursor;
      }),
    );
  }
  return stats;
}

describe('round trips per page on 1,000 and on 100,000 customers', () => {
  it('the large data set is a hundred times the small one', () => {
    const { small, large } = running as Record<keyof typeof sizes, Running>;
    expect(large.dataset.summary.counts.erp.salesOrders).toBeGreaterThan(
      50 * small.dataset.summary.counts.erp.salesOrders,
    );
  });

  for (const list of ['salesOrders', 'invoices', 'payments'] as const) {
    it(`${list}: the same round trips for 5 and 100 rows, first page and next, on either size`, async () => {
      const { small, large } = running as Record<keyof typeof sizes, Running>;
      const all = [
        ...(await twoPages(small, list, 5)),
        ...(await twoPages(small, list, 100)),
        ...(await twoPages(large, list, 5)),
        ...(await twoPages(large, list, 100)),
      ];
      for (const stats of all) {
        expect(stats.roundTrips).toBe(all[0]!.roundTrips);
        expect(stats.byRoute[LIST_ROUTES[list]]).toBe(1);
      }
    }, 120_000);
  }
});
