import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDataset } from '../../legacy/generator/open.js';

describe('npm run generate:data', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'legacy/generator/main.ts'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('exits 2 naming a bad variable', () => {
    const badCount = run({ DATA_CUSTOMERS: 'lots' });
    expect(badCount.status).toBe(2);
    expect(badCount.stderr).toContain("DATA_CUSTOMERS must be an integer between 1 and 10000000; got 'lots'");
    const badSeed = run({ DATA_SEED: '-3' });
    expect(badSeed.status).toBe(2);
    expect(badSeed.stderr).toContain('DATA_SEED');
  });

  it('generates into DATA_DIR and prints the counts', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'generator-main-'));
    try {
      const result = run({ DATA_SEED: '3', DATA_CUSTOMERS: '25', DATA_DIR: dataDir });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/generated in \d+\.\d s/);
      const reference = openDataset({ seed: 3, customers: 25 });
      try {
        expect(result.stdout).toMatch(
          new RegExp(`salesOrders +${reference.summary.counts.erp.salesOrders}\\n`),
        );
        expect(result.stdout).toMatch(new RegExp(`Account +${reference.summary.counts.crm.Account}\\n`));
      } finally {
        reference.close();
      }
      expect(readdirSync(dataDir).sort()).toEqual(['crm-3-25.sqlite', 'erp-3-25.sqlite']);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
