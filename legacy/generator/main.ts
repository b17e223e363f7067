import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { DATASET_AS_OF } from './calendar.js';
import { COMPANY_NAME } from './generate.js';
import { CRM_TABLES, ERP_TABLES } from './model.js';
import {
  DEFAULT_CUSTOMERS,
  DEFAULT_DATA_DIR,
  DEFAULT_SEED,
  ensureDatasetFiles,
  IN_MEMORY_LIMIT,
} from './open.js';

/**
 * `npm run generate:data`: writes the seeded data set for DATA_SEED / DATA_CUSTOMERS into the
 * data directory (reusing files already there) and prints counts, time and file sizes.
 */

function fail(message: string): never {
  process.stderr.write(`generate:data: ${message}\n`);
  process.exit(2);
}

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    fail(`${name} must be an integer between ${min} and ${max}; got '${raw}'`);
  }
  return Number(raw);
}

const config = {
  seed: intFromEnv('DATA_SEED', DEFAULT_SEED, 0, 2_147_483_647),
  customers: intFromEnv('DATA_CUSTOMERS', DEFAULT_CUSTOMERS, 1, 10_000_000),
  dataDir: process.env.DATA_DIR ? resolve(process.env.DATA_DIR) : DEFAULT_DATA_DIR,
};

const started = performance.now();
let files: ReturnType<typeof ensureDatasetFiles>;
try {
  files = ensureDatasetFiles(config);
} catch (error) {
  fail(`cannot write the data set into ${config.dataDir}: ${(error as Error).message}`);
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);

function counts(path: string, tables: Record<string, unknown>): string {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return Object.keys(tables)
      .map(
        (name) =>
          `  ${name.padEnd(26)} ${(db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n}`,
      )
      .join('\n');
  } finally {
    db.close();
  }
}
const megabytes = (path: string): string => `${(statSync(path).size / 1_048_576).toFixed(1)} MB`;

process.stdout.write(
  [
    `seed ${config.seed}, ${config.customers} customers, company ${COMPANY_NAME}, as of ${DATASET_AS_OF}`,
    files.generated ? `generated in ${seconds} s` : `files already present (reused, ${seconds} s)`,
    `ERP ${files.erpPath} (${megabytes(files.erpPath)})`,
    counts(files.erpPath, ERP_TABLES),
    `CRM ${files.crmPath} (${megabytes(files.crmPath)})`,
    counts(files.crmPath, CRM_TABLES),
    config.customers <= IN_MEMORY_LIMIT
      ? `note: up to ${IN_MEMORY_LIMIT} customers the stand-ins generate the same data in memory and do not read these files`
      : '',
  ].join('\n') + '\n',
);
