import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAuth } from '../helpers/auth.js';
import {
  CONVERT,
  candidateQuotes,
  eventually,
  type LegacyPair,
  ordersFor,
  postGraphQL,
  quoteRow,
  startLegacyPair,
} from './workflows-harness.js';

// The workflows subgraph as its own process (main.ts, as deployed), killed between the ERP
// create and the CRM write-back, then started again over the same store file.
const MAIN = fileURLToPath(new URL('../../subgraphs/workflows/main.ts', import.meta.url));

let legacy: LegacyPair;
const children: ChildProcess[] = [];

beforeAll(async () => {
  legacy = await startLegacyPair(60);
});

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await legacy?.close();
});

interface Running {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts main.ts with `env` and resolves with its URL once it logs that it listens. */
function startProcess(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      ERP_URL: legacy.erpUrl,
      CRM_URL: legacy.crmUrl,
      ERP_COMPANY_ID: legacy.dataset.summary.companyId,
      WORKFLOWS_DB_PATH: join(legacy.dir, 'crash.sqlite'),
      WORKFLOWS_SUBGRAPH_PORT: '0',
      WORKFLOWS_MAX_RETRIES: '0',
      WORKFLOWS_LEASE_MS: '1000',
      WORKFLOWS_RETRY_INTERVAL_MS: '100',
      WORKFLOWS_RETRY_BASE_MS: '100',
      LOG_LEVEL: 'info',
      // Stopped by signal here: the drain period (drain.test.ts) would only slow it down.
      SHUTDOWN_DRAIN_MS: '0',
      ...testAuth().env,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`main.ts did not start:\n${output}`)), 30_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.includes('workflows subgraph listening')) continue;
        clearTimeout(timer);
        resolve({ child, url: (JSON.parse(line) as { url: string }).url, exited });
        return;
      }
    });
    void exited.then(() => reject(new Error(`main.ts exited before listening:\n${output}`)));
  });
}

describe('a crash between the ERP create and the CRM write-back', () => {
  it('ends with the quote linked to the one order once the process is back', async () => {
    const quote = candidateQuotes(legacy.dataset).find(
      (q) => q.blocked.trim() === '' && (q.creditLimit === 0 || q.balance + q.GrandTotal <= q.creditLimit),
    );
    expect(quote).toBeDefined();
    const key = `crash-${quote!.Id}`;

    const doomed = await startProcess({ WORKFLOWS_TEST_EXIT_AFTER_ERP_CREATE: '1' });
    const lost = await postGraphQL(doomed.url, CONVERT, { quoteId: quote!.Id, key }).then(
      () => 'answered',
      () => 'connection lost',
    );
    expect(lost).toBe('connection lost');
    expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const [order] = ordersFor(legacy.dataset, quote!.QuoteNumber);
    expect(order).toBeDefined();
    expect(quoteRow(legacy.dataset, quote!.Id).ERP_Order_Number__c).toBeNull();

    await legacy.resetCalls();
    const revived = await startProcess({});
    // Nobody asks: the new process finds the abandoned run once its lease lapses and finishes it.
    const linked = await eventually(() => {
      const row = quoteRow(legacy.dataset, quote!.Id);
      return row.ERP_Order_Number__c ? row : undefined;
    });
    expect(linked).toMatchObject({
      Status: 'Accepted',
      ERP_Order_Number__c: order!.number,
      ERP_Order_Id__c: order!.id,
    });

    // The client's retry with its key gets the answer the first call never delivered.
    const retry = await postGraphQL(revived.url, CONVERT, { quoteId: quote!.Id, key });
    expect(retry.errors).toBeUndefined();
    expect(retry.data.convertQuoteToOrder).toMatchObject({
      order: { number: order!.number },
      orderCreated: true,
      replayed: true,
      pendingWriteBack: null,
    });
    expect(ordersFor(legacy.dataset, quote!.QuoteNumber)).toHaveLength(1);
    const { erp } = await legacy.calls();
    const creates = Object.entries(erp.byRoute).filter(
      ([route]) => route.startsWith('POST') && route.includes('salesOrders'),
    );
    expect(creates).toEqual([]);

    revived.child.kill('SIGTERM');
    expect(await revived.exited).toEqual({ code: 0, signal: null });
  });

  it('exits with code 2 naming a bad variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: { PATH: process.env.PATH ?? '', WORKFLOWS_LEASE_MS: 'soon' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(stderr).toContain('WORKFLOWS_LEASE_MS');
  });
});
