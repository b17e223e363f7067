import { Agent, request } from 'undici';

/**
 * A small bounded load generator for the CRM stand-in (no load tool is installed here):
 * `tsx legacy/crm/loadtest.ts <baseUrl> [concurrency=20] [seconds=5] [token=crm-dev-token]`,
 * with `<baseUrl>` like `http://127.0.0.1:4102`. Runs two scenarios one after the other — a
 * keyed query (one Account by Id, with Owner.Name and a Tasks subquery) and a 200-record page
 * (`SELECT … FROM Contact` with `batchSize=200`) — each keeping `concurrency` requests in flight
 * over keep-alive connections, and prints requests/second and latency percentiles.
 */
const [base, concurrencyArg = '20', secondsArg = '5', token = process.env.CRM_TOKEN || 'crm-dev-token'] =
  process.argv.slice(2);
if (!base) {
  process.stderr.write('usage: tsx legacy/crm/loadtest.ts <baseUrl> [concurrency] [seconds] [token]\n');
  process.exit(2);
}
const concurrency = Number(concurrencyArg);
const seconds = Number(secondsArg);
if (!Number.isInteger(concurrency) || concurrency < 1 || !(seconds > 0)) {
  process.stderr.write('concurrency must be a positive integer and seconds a positive number\n');
  process.exit(2);
}

const api = `${base.replace(/\/$/, '')}/services/data/v62.0`;
const dispatcher = new Agent({ connections: concurrency, pipelining: 1 });
const headers = { authorization: `Bearer ${token}`, 'sforce-query-options': 'batchSize=200' };
const queryUrl = (soql: string) => `${api}/query?q=${encodeURIComponent(soql)}`;

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await request(url, { dispatcher, headers });
  return { status: res.statusCode, body: await res.body.json() };
}

async function run(name: string, nextUrl: () => string, expectRecords: number): Promise<void> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const start = performance.now();
      try {
        const res = await request(nextUrl(), { dispatcher, headers });
        const body = (await res.body.json()) as { records?: unknown[] };
        if (res.statusCode !== 200 || body.records?.length !== expectRecords) errors += 1;
      } catch {
        errors += 1;
      }
      latencies.push(performance.now() - start);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(2);
  process.stdout.write(
    `${name}: ${latencies.length} requests in ${elapsed.toFixed(2)} s: ${(latencies.length / elapsed).toFixed(0)} req/s, ` +
      `p50 ${pct(50)} ms, p99 ${pct(99)} ms, ${errors} errors\n`,
  );
}

const accounts = await getJson(queryUrl('SELECT Id FROM Account LIMIT 200'));
const ids = ((accounts.body as { records?: { Id: string }[] }).records ?? []).map((r) => r.Id);
const contacts = await getJson(queryUrl('SELECT COUNT() FROM Contact'));
if (
  accounts.status !== 200 ||
  ids.length === 0 ||
  ((contacts.body as { totalSize?: number }).totalSize ?? 0) < 200
) {
  process.stderr.write('the stand-in must hold at least one account and 200 contacts\n');
  process.exit(2);
}
let i = 0;
await run(
  'keyed query (Account by Id + Owner.Name + Tasks subquery)',
  () =>
    queryUrl(
      `SELECT Id, Name, Owner.Name, (SELECT Id, Subject FROM Tasks ORDER BY ActivityDate DESC LIMIT 5) FROM Account WHERE Id = '${ids[i++ % ids.length]}'`,
    ),
  1,
);
await run(
  '200-record page (Contact with Account.Name)',
  () => queryUrl('SELECT Id, Name, Email, Account.Name FROM Contact ORDER BY LastName'),
  200,
);
await dispatcher.close();
