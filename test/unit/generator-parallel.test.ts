import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../legacy/generator/generate.js';
import { ERP_TABLES } from '../../legacy/generator/model.js';
import { ThreadWriter } from '../../legacy/generator/parallel.js';
import { databaseTarget, type RowTarget } from '../../legacy/generator/targets.js';

const dir = mkdtempSync(join(tmpdir(), 'generator-parallel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The statement sequence open.ts uses for files, on any pair of targets. */
function build(erp: RowTarget, crm: RowTarget): void {
  for (const target of [erp, crm]) {
    target.exec('PRAGMA journal_mode = OFF');
    target.exec('PRAGMA synchronous = OFF');
    target.exec('BEGIN');
  }
  generateDataset(erp, crm, { seed: 11, customers: 120 });
  erp.exec('COMMIT');
  crm.exec('COMMIT');
}

describe('writer threads', () => {
  it('write the same file bytes as writing on the calling thread', () => {
    const here = {
      erp: new BetterSqlite3(join(dir, 'erp-here.sqlite')),
      crm: new BetterSqlite3(join(dir, 'crm-here.sqlite')),
    };
    build(databaseTarget(here.erp), databaseTarget(here.crm));
    here.erp.close();
    here.crm.close();

    const threads = {
      erp: new ThreadWriter(join(dir, 'erp-thread.sqlite')),
      crm: new ThreadWriter(join(dir, 'crm-thread.sqlite')),
    };
    build(threads.erp, threads.crm);
    threads.erp.finish();
    threads.crm.finish();

    for (const name of ['erp', 'crm']) {
      const a = readFileSync(join(dir, `${name}-here.sqlite`));
      const b = readFileSync(join(dir, `${name}-thread.sqlite`));
      expect(a.length).toBeGreaterThan(100_000);
      expect(b.equals(a), name).toBe(true);
    }
  });

  it('hand a writer’s SQLite error back to the caller, naming the file', () => {
    const path = join(dir, 'broken.sqlite');
    const writer = new ThreadWriter(path);
    const sink = writer.table(ERP_TABLES.employees);
    // No CREATE TABLE first: the writer's prepare fails, and every later call reports it.
    sink.insert({ id: 'x' });
    expect(() => writer.finish()).toThrow(/broken\.sqlite: no such table: employees/);
  });
});
