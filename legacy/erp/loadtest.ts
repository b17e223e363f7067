import { Agent, request } from 'undici';

/**
 * A small bounded load generator for the stand-in (no load tool is installed here):
 * `tsx legacy/erp/loadtest.ts <url> [concurrency=20] [seconds=5] [token=erp-dev-token]`.
 * Keeps `concurrency` requests in flight over keep-alive connections and prints
 * requests/second and latency percentiles.
 */
const [url, concurrencyArg = '20', secondsArg = '5', token = process.env.ERP_TOKEN || 'erp-dev-token'] =
  process.argv.slice(2);
if (!url) {
  process.stderr.write('usage: tsx legacy/erp/loadtest.ts <url> [concurrency] [seconds] [token]\n');
  process.exit(2);
}
const concurrency = Number(concurrencyArg);
const seconds = Number(secondsArg);
if (!Number.isInteger(concurrency) || concurrency < 1 || !(seconds > 0)) {
  process.stderr.write('concurrency must be a positive integer and seconds a positive number\n');
  process.exit(2);
}

const dispatcher = new Agent({ connections: concurrency, pipelining: 1 });
const latencies: number[] = [];
let errors = 0;
const deadline = performance.now() + seconds * 1000;

async function worker(): Promise<void> {
  while (performance.now() < deadline) {
    const start = performance.now();
    try {
      const res = await request(url!, { dispatcher, headers: { authorization: `Bearer ${token}` } });
      await res.body.text();
      if (res.statusCode !== 200) errors += 1;
    } catch {
      errors += 1;
    }
    latencies.push(performance.now() - start);
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const elapsed = (performance.now() - started) / 1000;
await dispatcher.close();
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(2);
process.stdout.write(
  `${latencies.length} requests in ${elapsed.toFixed(2)} s: ${(latencies.length / elapsed).toFixed(0)} req/s, ` +
    `p50 ${pct(50)} ms, p99 ${pct(99)} ms, ${errors} non-200\n`,
);
