/**
 * The scenarios (issue 5, item 4): which operations each sends, with which variables. Pools of
 * distinct variables come from the data set itself, read straight from the generator's SQLite
 * (not through the system under test).
 */
import type { Database } from 'better-sqlite3';
import type { OperationInstance } from './operations.js';

export type ScenarioId = 'c360-1' | 'c360-10' | 'c360-100' | 'deep' | 'search' | 'repeat' | 'mixed' | 'scale';

export interface ScenarioOperation {
  weight: number;
  /** Sent in turn: distinct instances reach distinct data. */
  instances: OperationInstance[];
}

export interface Scenario {
  id: ScenarioId;
  title: string;
  operations: ScenarioOperation[];
}

export interface Pools {
  /** ERP customer ids (GUIDs) of customers with orders, in customer-number order. */
  deepCustomerIds: string[];
  /** Pieces of CRM account names (4 letters), each matching at least one account. */
  searchTerms: string[];
  /** Customers with orders that no scenario reads (the warm-up's). */
  warmUpCustomerIds: string[];
  /**
   * Name pieces matching only accounts that sort after the largest Customer360 page and are no
   * search term: the warm-up's Customer360 searches.
   */
  warmUpSearchTerms: string[];
}

const WARM_UP_POOL = 24;
const WARM_UP_TERMS = 8;
/** The largest Customer360 page a scenario reads: warm-up searches stay after it. */
const LARGEST_PAGE = 100;

export const SCENARIO_TITLES: Readonly<Record<ScenarioId, string>> = {
  'c360-1': 'Customer360, first 1',
  'c360-10': 'Customer360, first 10',
  'c360-100': 'Customer360, first 100',
  deep: 'one customer deep (orders → lines → product → stock, BOM), distinct customers',
  search: 'customer search (name contains), distinct terms, first 10',
  repeat: 'the same deep operation repeated (cache warm)',
  mixed: 'mix: c360-1 ×3, c360-10 ×2, c360-100 ×1, deep ×3, search ×3',
  scale: 'Customer360, first 10, on the large data set',
};

const c360 = (first: number): ScenarioOperation => ({
  weight: 1,
  instances: [{ kind: 'customer360', variables: { first } }],
});

export function buildScenario(id: ScenarioId, pools: Pools, weightScale = 1): Scenario {
  const deep: ScenarioOperation = {
    weight: 1,
    instances: pools.deepCustomerIds.map((customerId) => ({
      kind: 'customerDeep',
      variables: { id: customerId },
    })),
  };
  const search: ScenarioOperation = {
    weight: 1,
    instances: pools.searchTerms.map((term) => ({
      kind: 'customerSearch',
      variables: { search: term, first: 10 },
    })),
  };
  const title = SCENARIO_TITLES[id];
  switch (id) {
    case 'c360-1':
      return { id, title, operations: [c360(1)] };
    case 'c360-10':
    case 'scale':
      return { id, title, operations: [c360(10)] };
    case 'c360-100':
      return { id, title, operations: [c360(100)] };
    case 'deep':
      return { id, title, operations: [deep] };
    case 'search':
      return { id, title, operations: [search] };
    case 'repeat':
      return { id, title, operations: [{ weight: 1, instances: deep.instances.slice(0, 1) }] };
    case 'mixed':
      return {
        id,
        title,
        operations: [
          { ...c360(1), weight: 3 * weightScale },
          { ...c360(10), weight: 2 * weightScale },
          { ...c360(100), weight: 1 * weightScale },
          { ...deep, weight: 3 * weightScale },
          { ...search, weight: 3 * weightScale },
        ],
      };
  }
}

/** Distinct variables for the pooled operations, read from the generated data set. */
export function readPools(erp: Database, crm: Database, size: number): Pools {
  const withOrders = (
    erp
      .prepare(
        `SELECT c.id AS id FROM customers c
         WHERE EXISTS (SELECT 1 FROM salesOrders o WHERE o.customerId = c.id)
         ORDER BY c.number`,
      )
      .all() as { id: string }[]
  ).map((row) => row.id);
  const deepCustomerIds = withOrders.slice(0, size);
  const warmUpCustomerIds = withOrders.slice(size).slice(-WARM_UP_POOL);

  // Salesforce orders and compares names case-insensitively; so does this choice.
  const lastPageName = (
    crm
      .prepare('SELECT Name AS name FROM Account ORDER BY Name COLLATE NOCASE, Id LIMIT 1 OFFSET ?')
      .get(LARGEST_PAGE + 20) as { name: string } | undefined
  )?.name;
  const firstMatch = crm.prepare(
    "SELECT min(Name COLLATE NOCASE) AS name, count(*) AS n FROM Account WHERE Name LIKE '%' || ? || '%'",
  );
  const terms: string[] = [];
  const seen = new Set<string>();
  const names = crm.prepare('SELECT Name AS name FROM Account ORDER BY Id').iterate() as Iterable<{
    name: string | null;
  }>;
  for (const { name } of names) {
    for (const word of (name ?? '').toLowerCase().split(/\s+/)) {
      if (!/^[a-z]{4,}$/.test(word)) continue;
      // Every 4-letter piece of a name's words: names come from a small vocabulary, and these
      // give many more distinct searches than whole words.
      for (let i = 0; i + 4 <= word.length; i += 1) {
        const term = word.slice(i, i + 4);
        if (seen.has(term)) continue;
        seen.add(term);
        terms.push(term);
      }
    }
  }
  // The warm-up gets the words whose first match sorts after the largest page (names are a
  // small vocabulary: the scenarios get all the others).
  const afterPages = (term: string) => {
    const match = firstMatch.get(term) as { name: string | null };
    return (
      lastPageName !== undefined &&
      match.name !== null &&
      match.name.toLowerCase() > lastPageName.toLowerCase()
    );
  };
  const warmUpSearchTerms = terms.filter(afterPages).slice(-WARM_UP_TERMS);
  const searchTerms = terms.filter((term) => !warmUpSearchTerms.includes(term)).slice(0, size);
  if (deepCustomerIds.length === 0) throw new Error('the data set has no customer with orders');
  if (searchTerms.length === 0) throw new Error('the data set has no account name to search for');
  return { deepCustomerIds, searchTerms, warmUpCustomerIds, warmUpSearchTerms };
}
