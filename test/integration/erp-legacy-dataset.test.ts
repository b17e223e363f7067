import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createErpStandIn } from '../../legacy/erp/createErpStandIn.js';
import { ENTITY_SETS } from '../../legacy/erp/entities.js';
import { openDataset } from '../../legacy/generator/open.js';
import type { Json } from './erp-legacy-fixture.js';

/** The stand-in over the generator's default data set: every collection walks completely. */
const dataset = openDataset({ seed: 7 });
let base = '';
let close: () => Promise<void>;

beforeAll(async () => {
  const { server } = createErpStandIn({
    db: dataset.erp,
    companyId: dataset.summary.companyId,
    maxPageSize: 500,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
});
afterAll(async () => {
  await close();
  dataset.close();
});

async function get(url: string, pageSize?: number): Promise<Json> {
  const res = await fetch(url, {
    headers: {
      authorization: 'Bearer erp-dev-token',
      ...(pageSize ? { prefer: `odata.maxpagesize=${pageSize}` } : {}),
    },
  });
  expect(res.status, url).toBe(200);
  return res.json();
}

async function walk(url: string, pageSize?: number): Promise<Json[]> {
  const rows: Json[] = [];
  let next: string | undefined = url;
  while (next) {
    const page: Json = await get(next, pageSize);
    if (pageSize) expect(page.value.length).toBeLessThanOrEqual(pageSize);
    rows.push(...page.value);
    next = page['@odata.nextLink'];
  }
  return rows;
}

const LINES: Record<string, [string, string]> = {
  salesQuoteLines: ['salesQuotes', 'salesQuoteLines'],
  salesOrderLines: ['salesOrders', 'salesOrderLines'],
  salesInvoiceLines: ['salesInvoices', 'salesInvoiceLines'],
  salesCreditMemoLines: ['salesCreditMemos', 'salesCreditMemoLines'],
  salesShipmentLines: ['salesShipments', 'salesShipmentLines'],
};

describe('paging walks every collection of the generated data set', () => {
  for (const pageSize of [7, undefined]) {
    it(`returns every row exactly once (page size ${pageSize ?? 'server default'})`, async () => {
      const counts = dataset.summary.counts.erp as Record<string, number>;
      for (const def of Object.values(ENTITY_SETS)) {
        const prefix = def.api === 'custom' ? '/api/contoso/customerGraph/v1.0' : '/api/v2.0';
        const company = `${base}${prefix}/companies(${dataset.summary.companyId})`;
        let keys: string[];
        if (LINES[def.name]) {
          // BC lists lines only per document; walk the headers with their lines expanded.
          const [header, nav] = LINES[def.name]!;
          const headers = await walk(`${company}/${header}?$select=id&$expand=${nav}($select=id)`, pageSize);
          keys = headers.flatMap((h) => h[nav].map((l: Json) => l.id));
        } else {
          const key = def.table.key;
          keys = (await walk(`${company}/${def.name}?$select=${key}`, pageSize)).map((r) => r[key]);
        }
        expect(keys.length, def.name).toBe(counts[def.name]);
        expect(new Set(keys).size, def.name).toBe(keys.length);
      }
    });
  }

  it('pages a filtered, reordered collection without gaps or repeats', async () => {
    const company = `${base}/api/v2.0/companies(${dataset.summary.companyId})`;
    const all = await walk(`${company}/salesInvoices?$select=id,dueDate&$orderby=dueDate desc`, 13);
    expect(all.length).toBe((dataset.summary.counts.erp as Record<string, number>).salesInvoices);
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    const dates = all.map((r) => r.dueDate as string);
    expect([...dates].sort().reverse()).toEqual(dates);
  });
});
