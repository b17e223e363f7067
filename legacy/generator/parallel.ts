import { createRequire } from 'node:module';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { TableDef } from './model.js';
import { RowEncoder, type RowTarget, type TableSink } from './targets.js';

/**
 * A database file written by a thread of its own. Binding ~45 values a row into SQLite is two
 * thirds of generating a large data set; with one writer thread per database the ERP and CRM
 * files fill on other cores while the calling thread keeps generating rows. The caller stays
 * synchronous: statements are posted in order (rows in batches), it blocks (Atomics.wait) only
 * when a writer is too far behind or at `finish()`, and a writer's error comes back through a
 * port read synchronously. Same statements, same order, same pragmas: the same file bytes as
 * writing on the calling thread.
 */

/** Rows per posted batch, and batches a writer may have queued before the caller waits. */
const BATCH_ROWS = 2000;
const MAX_QUEUED_BATCHES = 16;

// Plain CommonJS evaluated in the worker (no TypeScript loader needed there, under tsx or vitest).
const WRITER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.sqlitePath);
const progress = new Int32Array(workerData.progress);
const errors = workerData.errors;
let db;
let failed = false;
const statements = [];
function handle(message) {
  switch (message.t) {
    case 'open': db = new Database(message.path); break;
    case 'exec': db.exec(message.sql); break;
    case 'prepare': statements[message.id] = db.prepare(message.sql); break;
    case 'rows': {
      const rows = message.rows;
      for (let i = 0; i < rows.length; i += 2) statements[rows[i]].run(rows[i + 1]);
      break;
    }
    case 'run': db.prepare(message.sql).run(...message.params); break;
    case 'close': if (db && db.open) db.close(); break;
  }
}
parentPort.on('message', (message) => {
  if (!failed) {
    try {
      handle(message);
    } catch (error) {
      failed = true;
      errors.postMessage(String((error && error.message) || error));
      try { if (db && db.open) db.close(); } catch {}
    }
  }
  Atomics.add(progress, 0, 1);
  Atomics.notify(progress, 0);
});
`;

export class ThreadWriter implements RowTarget {
  private readonly worker: Worker;
  private readonly errors: MessagePort;
  /** [0]: messages the writer has handled (done or skipped after a failure). */
  private readonly progress = new Int32Array(new SharedArrayBuffer(4));
  private posted = 0;
  private tables = 0;
  private failure: string | undefined;
  /** Pending rows, flattened: table id, values, table id, values, … */
  private batch: unknown[] = [];

  constructor(readonly path: string) {
    const channel = new MessageChannel();
    this.errors = channel.port1;
    this.worker = new Worker(WRITER_SOURCE, {
      eval: true,
      workerData: {
        sqlitePath: createRequire(import.meta.url).resolve('better-sqlite3'),
        progress: this.progress.buffer,
        errors: channel.port2,
      },
      transferList: [channel.port2],
    });
    this.worker.unref();
    this.post({ t: 'open', path });
  }

  exec(sql: string): void {
    this.flush();
    this.post({ t: 'exec', sql });
  }

  run(sql: string, params: unknown[]): void {
    this.flush();
    this.post({ t: 'run', sql, params });
  }

  table(def: TableDef): TableSink {
    this.flush();
    const id = this.tables++;
    const encoder = new RowEncoder(def);
    this.post({ t: 'prepare', id, sql: encoder.insertSql });
    return new ThreadTableSink(this, id, encoder);
  }

  /** Queues one encoded row; posts the batch when it is full. */
  push(tableId: number, values: unknown[]): void {
    this.batch.push(tableId, values);
    if (this.batch.length >= BATCH_ROWS * 2) this.flush();
  }

  /** Waits until the writer has handled everything and closed the file; throws its error. */
  finish(): void {
    this.flush();
    this.post({ t: 'close' });
    this.waitUntilQueued(0);
    this.throwIfFailed();
    void this.worker.terminate();
    this.errors.close();
  }

  /** Stops the writer without waiting (after a failure elsewhere); the file is left as it is. */
  abort(): void {
    void this.worker.terminate();
    this.errors.close();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const rows = this.batch;
    this.batch = [];
    this.waitUntilQueued(MAX_QUEUED_BATCHES);
    this.post({ t: 'rows', rows });
  }

  private post(message: object): void {
    this.throwIfFailed();
    this.worker.postMessage(message);
    this.posted++;
  }

  private waitUntilQueued(max: number): void {
    for (;;) {
      const handled = Atomics.load(this.progress, 0);
      if (this.posted - handled <= max) return;
      Atomics.wait(this.progress, 0, handled, 1000);
      this.throwIfFailed();
    }
  }

  private throwIfFailed(): void {
    if (this.failure === undefined) {
      const received = receiveMessageOnPort(this.errors);
      if (received) this.failure = String(received.message);
    }
    if (this.failure !== undefined) throw new Error(`writing ${this.path}: ${this.failure}`);
  }
}

class ThreadTableSink implements TableSink {
  count = 0;

  constructor(
    private readonly writer: ThreadWriter,
    private readonly id: number,
    private readonly encoder: RowEncoder,
  ) {}

  insert(row: Record<string, unknown>, shared?: Record<string, unknown>): void {
    // A fresh array per row: it stays in the batch until the batch is posted.
    this.writer.push(this.id, this.encoder.encode(row, shared, new Array(this.encoder.columns.length)));
    this.count++;
  }
}
