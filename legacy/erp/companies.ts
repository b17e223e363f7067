import BetterSqlite3, { type Database } from 'better-sqlite3';
import { createTablesSql } from '../generator/model.js';
import { Answers, contextUrl, singleOptions } from './answers.js';
import { COMPANY_SET, COMPANY_TABLE } from './entities.js';
import { queryMap, type Route } from './protocol.js';
import { parseReadOptions, QueryEngine } from './query.js';
import { Store } from './store.js';

/**
 * `GET companies` and `GET companies({id})`: the one company the stand-in serves, answered by
 * the same query engine as the entity sets, from a one-row in-memory table of its own.
 */
export class Companies {
  private readonly db: Database;
  private readonly engine: QueryEngine;
  private readonly answers: Answers;

  constructor(
    readonly id: string,
    name: string,
    maxPageSize: number,
  ) {
    this.db = new BetterSqlite3(':memory:');
    this.db.exec(createTablesSql({ companies: COMPANY_TABLE }));
    const created = new Date().toISOString();
    this.db
      .prepare(
        'INSERT INTO companies (id, systemVersion, timestamp, name, displayName, businessProfileId, systemCreatedAt, systemCreatedBy, systemModifiedAt, systemModifiedBy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(id, '24.0.16410.18056', 1, name, name, '', created, null, created, null);
    this.engine = new QueryEngine(new Store(this.db));
    this.answers = new Answers(this.engine, maxPageSize);
  }

  listRoute(apiPrefix: string): Route {
    return {
      pattern: 'GET /companies',
      handle: (req) =>
        this.answers.collection(
          req,
          COMPANY_SET,
          [],
          contextUrl(req, apiPrefix, 'companies'),
          parseReadOptions(queryMap(req.search), COMPANY_SET),
        ),
    };
  }

  entityRoute(apiPrefix: string): Route {
    return {
      pattern: 'GET /companies({id})',
      handle: (req) => {
        const opts = singleOptions(req, COMPANY_SET);
        return this.answers.entity(
          COMPANY_SET,
          this.engine.readRow(COMPANY_SET, this.id)!,
          contextUrl(req, apiPrefix, 'companies/$entity'),
          opts,
        );
      },
    };
  }

  close(): void {
    this.db.close();
  }
}
