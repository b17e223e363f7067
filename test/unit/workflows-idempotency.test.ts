import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprintOf } from '../../subgraphs/workflows/idempotency.js';
import { SqliteWorkflowStore } from '../../subgraphs/workflows/store/sqliteStore.js';
import { storeContract } from '../helpers/workflows-store-contract.js';

describe('canonical fingerprints', () => {
  it('ignores key order and undefined members, and tells different inputs apart', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(object));
        expect(fingerprintOf('op', { ...object, extra: undefined })).toBe(fingerprintOf('op', object));
      }),
    );
    expect(fingerprintOf('op', { a: 1 })).not.toBe(fingerprintOf('op', { a: 2 }));
    expect(fingerprintOf('op', { a: 1 })).not.toBe(fingerprintOf('other', { a: 1 }));
  });
});

storeContract('SQLite store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'workflows-store-'));
  const path = join(dir, 'nested', 'workflows.sqlite');
  return {
    open: () => new SqliteWorkflowStore(path),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
