import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('LEGACY_CACHE and its variables', () => {
  it('a subgraph started with a bad value exits 2 naming the variable', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'subgraphs/erp/main.ts'], {
      env: { ...process.env, LEGACY_CACHE: 'sometimes', ERP_SUBGRAPH_PORT: '0' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('LEGACY_CACHE');
  });
});
