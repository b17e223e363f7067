import type { IncomingMessage } from 'node:http';
import type { Database } from 'better-sqlite3';
import { expect } from 'vitest';
import { API_PREFIX } from '../../legacy/crm/protocol.js';
import { testAuth } from '../helpers/auth.js';
import { TOKEN } from '../helpers/crm-legacy-fixture.js';
import type { Answer, CrmFixture } from './crm-subgraph-fixture.js';

export { queryAs } from './crm-subgraph-fixture.js';

/**
 * What the CRM list tests share: asking the subgraph as a given caller, paging a connection to
 * its end while counting the stand-in's round trips per page, writing records through the
 * stand-in's sObjects API (as Salesforce would take them), and the SOQL the stand-in received.
 */

/** A reader who sees every customer (customer:read and the rest but sales:own). */
export const readerToken = () => testAuth().tokenFor({ sub: 'reader' });

/** A sales rep who holds sales:own instead of customer:read, known to the CRM by e-mail. */
export const repToken = (email: string) =>
  testAuth().tokenFor({ sub: `rep-${email}`, email, scopes: ['sales:own'] });

// biome-ignore lint/suspicious/noExplicitAny: tests read nodes of any shape
type AnyNode = any;

interface Connection {
  edges: { cursor: string; node: AnyNode }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface Paged {
  nodes: AnyNode[];
  /** The stand-in's round trips of each page's request. */
  roundTrips: number[];
}

/**
 * Pages a connection to its end. `pick` finds the connection in an answer; `between` runs after
 * each page but the last (records added while a client pages).
 */
export async function pageToEnd(
  fixture: CrmFixture,
  ask: (after: string | null) => Promise<Answer>,
  pick: (data: Answer['data']) => Connection,
  between?: (page: number) => Promise<void>,
): Promise<Paged> {
  const nodes: Paged['nodes'] = [];
  const roundTrips: number[] = [];
  let after: string | null = null;
  for (let page = 0; page < 2_000; page++) {
    await fixture.resetStats();
    const answer = await ask(after);
    expect(answer.errors).toBeUndefined();
    roundTrips.push((await fixture.stats()).roundTrips);
    const connection = pick(answer.data);
    nodes.push(...connection.edges.map((edge) => edge.node));
    if (!connection.pageInfo.hasNextPage) return { nodes, roundTrips };
    after = connection.pageInfo.endCursor;
    await between?.(page);
  }
  throw new Error('more than 2,000 pages');
}

/** Creates a record through the stand-in's REST API; returns its id. */
export async function createRecord(
  crmUrl: string,
  object: string,
  body: Record<string, unknown>,
): Promise<string> {
  const response = await fetch(`${crmUrl}${API_PREFIX}/sobjects/${object}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { id?: string };
  if (response.status !== 201 || !answer.id) throw new Error(`create ${object}: ${JSON.stringify(answer)}`);
  return answer.id;
}

/** Every SOQL statement the stand-in is sent from now on (its `q` parameters, decoded). */
export function recordSoql(fixture: CrmFixture): string[] {
  const seen: string[] = [];
  fixture.standInServer.on('request', (req: IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const q = url.searchParams.get('q');
    if (q) seen.push(q);
  });
  return seen;
}

/** The ids of rows a raw SQL selects, in its order. */
export function idsOf(db: Database, sql: string, ...params: unknown[]): string[] {
  return (db.prepare(sql).all(...params) as { Id: string }[]).map((row) => row.Id);
}

/** The 18-character ids the stand-in writes compare by their first 15 characters. */
export const id15 = (id: string) => id.slice(0, 15);
