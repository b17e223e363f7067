import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { registerFold } from '../crm/fold.js';
import { type GeneratedSummary, generateDataset } from './generate.js';
import { CRM_TABLES, type CrmTableName, ERP_TABLES, type ErpTableName, type TableDef } from './model.js';
import { ThreadWriter } from './parallel.js';

export interface DatasetOptions {
  /** Default 42. */
  seed?: number;
  /** Default 300. */
  customers?: number;
  /** Where data sets above IN_MEMORY_LIMIT customers are kept; default `<repo>/.data`. */
  dataDir?: string;
}

export type DatasetSummary = GeneratedSummary;

export interface Dataset {
  erp: Database;
  crm: Database;
  summary: DatasetSummary;
  close(): void;
}

export const DEFAULT_SEED = 42;
export const DEFAULT_CUSTOMERS = 300;
/** Up to this size a data set is generated in memory on every open (fast, nothing on disk). */
export const IN_MEMORY_LIMIT = 5000;
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_DATA_DIR = join(REPO_ROOT, '.data');
const SUMMARY_TABLE = '_datasetSummary';

function validate(options: DatasetOptions): { seed: number; customers: number; dataDir: string } {
  const seed = options.seed ?? DEFAULT_SEED;
  const customers = options.customers ?? DEFAULT_CUSTOMERS;
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`seed must be a non-negative integer; got ${seed}`);
  if (!Number.isSafeInteger(customers) || customers < 1)
    throw new RangeError(`customers must be a positive integer; got ${customers}`);
  return { seed, customers, dataDir: options.dataDir ?? DEFAULT_DATA_DIR };
}

/** Writes the whole data set in one transaction per database (the fast path for SQLite). */
function fill(erp: Database, crm: Database, seed: number, customers: number): GeneratedSummary {
  erp.exec('BEGIN');
  crm.exec('BEGIN');
  try {
    const summary = generateDataset(erp, crm, { seed, customers });
    erp.exec(`CREATE TABLE "${SUMMARY_TABLE}" (json TEXT NOT NULL)`);
    erp.prepare(`INSERT INTO "${SUMMARY_TABLE}" (json) VALUES (?)`).run(JSON.stringify(summary));
    erp.exec('COMMIT');
    crm.exec('COMMIT');
    return summary;
  } catch (error) {
    if (erp.inTransaction) erp.exec('ROLLBACK');
    if (crm.inTransaction) crm.exec('ROLLBACK');
    throw error;
  }
}

function countRows<T extends string>(db: Database, tables: Record<T, unknown>): Record<T, number> {
  const counts = {} as Record<T, number>;
  for (const name of Object.keys(tables) as T[]) {
    counts[name] = (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
  }
  return counts;
}

/**
 * Opens the seeded data set for both stand-ins. Small sizes are generated in memory; larger
 * ones once into `<dataDir>/erp-<seed>-<n>.sqlite` and `crm-<seed>-<n>.sqlite` (built under a
 * temporary name and renamed, so an interrupted run never leaves a half file) and reopened
 * read-write in WAL mode afterwards. The summary's counts are the rows present on open.
 */
export function openDataset(options: DatasetOptions = {}): Dataset {
  const { seed, customers, dataDir } = validate(options);
  if (customers <= IN_MEMORY_LIMIT) {
    const erp = new BetterSqlite3(':memory:');
    const crm = new BetterSqlite3(':memory:');
    const summary = fill(erp, crm, seed, customers);
    return { erp, crm, summary, close: () => closeBoth(erp, crm) };
  }

  const { erpPath, crmPath } = ensureDatasetFiles({ seed, customers, dataDir });
  const erp = openFile(erpPath);
  const crm = openFile(crmPath);
  // The CRM stand-in's fold indexes (legacy/crm/engine.ts) call it on every write to their tables.
  registerFold(crm);
  const stored = erp.prepare(`SELECT json FROM "${SUMMARY_TABLE}"`).get() as { json: string } | undefined;
  if (stored === undefined) {
    closeBoth(erp, crm);
    throw new Error(`${erpPath} has no data set summary; delete it and the matching crm file to regenerate`);
  }
  const generated = JSON.parse(stored.json) as GeneratedSummary;
  const summary: DatasetSummary = {
    ...generated,
    counts: {
      erp: countRows<ErpTableName>(erp, ERP_TABLES),
      crm: countRows<CrmTableName>(crm, CRM_TABLES),
    },
  };
  return { erp, crm, summary, close: () => closeBoth(erp, crm) };
}

export interface DatasetFiles {
  erpPath: string;
  crmPath: string;
  /** False when both files were already there and were reused. */
  generated: boolean;
}

/**
 * Makes sure the two SQLite files for a seed and size exist, generating them when missing,
 * whatever the size (openDataset only reads files above IN_MEMORY_LIMIT customers).
 */
export function ensureDatasetFiles(options: DatasetOptions = {}): DatasetFiles {
  const { seed, customers, dataDir } = validate(options);
  const erpPath = join(dataDir, `erp-${seed}-${customers}.sqlite`);
  const crmPath = join(dataDir, `crm-${seed}-${customers}.sqlite`);
  if (
    existsSync(erpPath) &&
    existsSync(crmPath) &&
    holdsModel(erpPath, ERP_TABLES) &&
    holdsModel(crmPath, CRM_TABLES)
  ) {
    return { erpPath, crmPath, generated: false };
  }
  // Missing, or written before a table or field joined the model: written anew (the same seed
  // gives the same rows, plus the new ones).
  generateFiles(erpPath, crmPath, seed, customers);
  return { erpPath, crmPath, generated: true };
}

/** Whether a data file has every table and column of the model. */
function holdsModel(path: string, tables: Record<string, TableDef>): boolean {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    return Object.values(tables).every((def) => {
      const present = new Set(
        (db.prepare(`PRAGMA table_info("${def.name}")`).all() as { name: string }[]).map((c) => c.name),
      );
      return Object.keys(def.columns).every((column) => present.has(column));
    });
  } finally {
    db.close();
  }
}

function openFile(path: string): Database {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

function closeBoth(erp: Database, crm: Database): void {
  if (erp.open) erp.close();
  if (crm.open) crm.close();
}

function generateFiles(erpPath: string, crmPath: string, seed: number, customers: number): void {
  mkdirSync(dirname(erpPath), { recursive: true });
  const erpTemp = `${erpPath}.${process.pid}.tmp`;
  const crmTemp = `${crmPath}.${process.pid}.tmp`;
  rmSync(erpTemp, { force: true });
  rmSync(crmTemp, { force: true });
  // One writer thread per file: the rows are generated here and bound into SQLite there.
  const erp = new ThreadWriter(erpTemp);
  const crm = new ThreadWriter(crmTemp);
  try {
    for (const db of [erp, crm]) {
      // The temp files are thrown away on failure, so durability while building buys nothing.
      db.exec('PRAGMA journal_mode = OFF');
      db.exec('PRAGMA synchronous = OFF');
      // Random GUID keys touch pages all over the primary-key index; keep them in memory.
      db.exec('PRAGMA cache_size = -524288');
      db.exec('BEGIN');
    }
    const summary = generateDataset(erp, crm, { seed, customers });
    erp.exec(`CREATE TABLE "${SUMMARY_TABLE}" (json TEXT NOT NULL)`);
    erp.run(`INSERT INTO "${SUMMARY_TABLE}" (json) VALUES (?)`, [JSON.stringify(summary)]);
    erp.exec('COMMIT');
    crm.exec('COMMIT');
    crm.finish();
    erp.finish();
    // crm first: the erp file's presence is what readers check last. A journal a crashed
    // stand-in left beside the old file would be replayed into the new one on its next open.
    for (const [temp, path] of [
      [crmTemp, crmPath],
      [erpTemp, erpPath],
    ] as const) {
      rmSync(`${path}-wal`, { force: true });
      rmSync(`${path}-shm`, { force: true });
      renameSync(temp, path);
    }
  } catch (error) {
    erp.abort();
    crm.abort();
    rmSync(erpTemp, { force: true });
    rmSync(crmTemp, { force: true });
    throw error;
  }
}
