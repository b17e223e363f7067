import type { ErpTableName } from '../generator/model.js';
import { type Answers, contextUrl, singleOptions } from './answers.js';
import { type ApiRoute, ENTITY_SETS, type EntitySetDef, entitySet, type NavigationDef } from './entities.js';
import { dialog, methodNotAllowed, notFound, segmentNotFound } from './errors.js';
import {
  type ErpRequest,
  json,
  noContent,
  parseKey,
  queryMap,
  type Route,
  type Segment,
} from './protocol.js';
import { filterNamesDocument, parseReadOptions, type QueryEngine } from './query.js';
import { type Reporting, type ReportSetDef, reportSet } from './reporting.js';
import type { Row } from './store.js';
import { type Body, parseBody, type Writer } from './writes.js';

/** Where a route is: its entity set, API and the `@odata.context` fragment of the set. */
interface SetPath {
  def: EntitySetDef;
  apiPrefix: string;
  /** `companies(<id>)/<set>`. */
  fragment: string;
}

/**
 * The routes below `companies({id})`: an entity set, one entity, a bound action
 * (`Microsoft.NAV.makeOrder`, `shipAndInvoice`) and a navigation property, with the writes
 * Business Central allows on each (`EntitySetDef.insertable` …).
 */
export class EntitySetRoutes {
  constructor(
    private readonly companyId: string,
    private readonly engine: QueryEngine,
    private readonly writer: Writer,
    private readonly answers: Answers,
    private readonly reporting: Reporting,
  ) {}

  /** Maps the segments after `companies({id})` to their route; throws BC's 404/405 otherwise. */
  resolve(method: string, api: ApiRoute, apiPrefix: string, segments: Segment[]): Route {
    const [first, second, third, ...rest] = segments;
    if (!first || rest.length > 0) throw segmentNotFound(rest[0]?.raw ?? '');
    const report = reportSet(api, first.name);
    if (report) return this.reportRoute(method, report, apiPrefix, first, second);
    const def = entitySet(api, first.name);
    if (!def) throw segmentNotFound(first.raw);
    const path: SetPath = { def, apiPrefix, fragment: `companies(${this.companyId})/${def.name}` };

    if (first.key === undefined && !second) return this.setRoute(method, path);
    if (first.key === undefined) throw segmentNotFound(second!.raw);
    const key = parseKey(first);
    if (!second) return this.entityRoute(method, path, key);
    if (second.name.startsWith('Microsoft.NAV.')) {
      if (third || second.key !== undefined) throw segmentNotFound((third ?? second).raw);
      return this.actionRoute(method, def, key, second);
    }
    if (!Object.hasOwn(def.navigation, second.name)) throw segmentNotFound(second.raw);
    if (third) throw segmentNotFound(third.raw);
    return this.navigationRoute(method, path, key, def.navigation[second.name]!, second);
  }

  /**
   * A reporting set: read-only, as BC's API pages for reports and its API queries are. A page
   * with a key (agedAccountsReceivables) also answers one customer's row by key.
   */
  private reportRoute(
    method: string,
    def: ReportSetDef,
    apiPrefix: string,
    first: Segment,
    second: Segment | undefined,
  ): Route {
    if (second) throw segmentNotFound(second.raw);
    const fragment = `companies(${this.companyId})/${def.name}`;
    if (first.key === undefined) {
      if (method !== 'GET') throw methodNotAllowed(method, def.name);
      return {
        pattern: `${method} /${def.name}`,
        handle: (req) => {
          const opts = parseReadOptions(queryMap(req.search), def);
          return this.answers.page(req, contextUrl(req, apiPrefix, fragment), (pageSize) =>
            this.reporting.read(def, opts, pageSize),
          );
        },
      };
    }
    // An API query's rows have no key to address one by.
    if (!def.key) throw segmentNotFound(first.raw);
    const key = parseKey(first);
    if (method !== 'GET') throw methodNotAllowed(method, def.name);
    return {
      pattern: `${method} /${def.name}({id})`,
      handle: (req) => {
        const opts = singleOptions(req, def);
        const [row] = this.reporting.rowsByKey(def, [key]);
        if (!row) throw notFound(`The ${def.typeName} with id '${key}' does not exist.`);
        return json(200, {
          '@odata.context': contextUrl(req, apiPrefix, `${fragment}/$entity`),
          ...this.reporting.entities(def, [row], opts)[0],
        });
      },
    };
  }

  /** `<set>` */
  private setRoute(method: string, { def, apiPrefix, fragment }: SetPath): Route {
    const pattern = `${method} /${def.name}`;
    if (method === 'GET') {
      return {
        pattern,
        handle: (req) => {
          const opts = parseReadOptions(queryMap(req.search), def);
          if (def.linesOf && !filterNamesDocument(opts.filter)) {
            throw dialog('You must specify an Id or a Document Id to get the lines.');
          }
          return this.answers.collection(req, def, [], contextUrl(req, apiPrefix, fragment), opts);
        },
      };
    }
    if (method === 'POST' && def.insertable) {
      return {
        pattern,
        handle: (req) => {
          const row = this.create(def, parseBody(req.body));
          return this.answers.written(req, def, row, 201, contextUrl(req, apiPrefix, `${fragment}/$entity`));
        },
      };
    }
    throw methodNotAllowed(method, def.name);
  }

  /** `<set>({id})` */
  private entityRoute(method: string, { def, apiPrefix, fragment }: SetPath, key: string): Route {
    const pattern = `${method} /${def.name}({id})`;
    const context = (req: ErpRequest) => contextUrl(req, apiPrefix, `${fragment}/$entity`);
    if (method === 'GET') {
      return {
        pattern,
        handle: (req) => {
          const opts = singleOptions(req, def);
          return this.answers.entity(def, this.requireParent(def, key), context(req), opts);
        },
      };
    }
    if (method === 'PATCH' && def.updatable) {
      return {
        pattern,
        handle: (req) =>
          this.answers.written(
            req,
            def,
            this.update(def, key, parseBody(req.body), req.headers['if-match']),
            200,
            context(req),
          ),
      };
    }
    if (method === 'DELETE' && def.deletable) {
      return {
        pattern,
        handle: (req) => {
          this.remove(def, key, req.headers['if-match']);
          return noContent();
        },
      };
    }
    throw methodNotAllowed(method, def.name);
  }

  /** `<set>({id})/Microsoft.NAV.<action>` */
  private actionRoute(method: string, def: EntitySetDef, key: string, action: Segment): Route {
    const bound = `${def.name}/${action.name}`;
    if (
      bound !== 'salesQuotes/Microsoft.NAV.makeOrder' &&
      bound !== 'salesOrders/Microsoft.NAV.shipAndInvoice'
    ) {
      throw segmentNotFound(action.raw);
    }
    if (method !== 'POST') throw methodNotAllowed(method, action.name);
    return {
      pattern: `${method} /${def.name}({id})/${action.name}`,
      handle: () => {
        this.engine.store.transaction(() => {
          if (def.name === 'salesQuotes') this.writer.makeOrder(key);
          else this.writer.shipAndInvoice(key);
        });
        return noContent();
      },
    };
  }

  /** `<set>({id})/<navigation>[({id})]` */
  private navigationRoute(
    method: string,
    { def, apiPrefix, fragment }: SetPath,
    key: string,
    nav: NavigationDef,
    segment: Segment,
  ): Route {
    const target = ENTITY_SETS[nav.target];
    const navFragment = `${fragment}(${key})/${nav.name}`;
    const entityContext = (req: ErpRequest) => contextUrl(req, apiPrefix, `${navFragment}/$entity`);
    if (!nav.many) {
      if (segment.key !== undefined) throw segmentNotFound(segment.raw);
      if (method !== 'GET') throw methodNotAllowed(method, nav.name);
      return {
        pattern: `${method} /${def.name}({id})/${nav.name}`,
        handle: (req) => {
          const opts = singleOptions(req, target);
          const parent = this.requireParent(def, key);
          const [row] = this.engine.readRowsBy(target, nav.to, parent[nav.from]);
          if (!row) throw notFound(`The ${target.typeName} of ${def.typeName} '${key}' does not exist.`);
          return this.answers.entity(target, row, entityContext(req), opts);
        },
      };
    }
    if (segment.key === undefined) {
      const pattern = `${method} /${def.name}({id})/${nav.name}`;
      if (method === 'GET') {
        return {
          pattern,
          handle: (req) => {
            const opts = parseReadOptions(queryMap(req.search), target);
            const parent = this.requireParent(def, key);
            return this.answers.collection(
              req,
              target,
              [{ column: nav.to, value: parent[nav.from] }],
              contextUrl(req, apiPrefix, navFragment),
              opts,
            );
          },
        };
      }
      if (method === 'POST' && target.insertable && target.name === 'salesOrderLines') {
        return {
          pattern,
          handle: (req) => {
            const body = parseBody(req.body);
            this.requireParent(def, key);
            const row = this.engine.store.transaction(() => this.writer.createOrderLine(body, key));
            return this.answers.written(req, target, row, 201, entityContext(req));
          },
        };
      }
      throw methodNotAllowed(method, nav.name);
    }
    const childKey = parseKey(segment);
    const pattern = `${method} /${def.name}({id})/${nav.name}({id})`;
    if (method === 'GET') {
      return {
        pattern,
        handle: (req) => {
          const opts = singleOptions(req, target);
          const parent = this.requireParent(def, key);
          const row = this.engine.readRow(target, childKey, [{ column: nav.to, value: parent[nav.from] }]);
          if (!row) throw notFound(`The ${target.typeName} with id '${childKey}' does not exist.`);
          return this.answers.entity(target, row, entityContext(req), opts);
        },
      };
    }
    if (target.name === 'salesOrderLines' && method === 'PATCH') {
      return {
        pattern,
        handle: (req) => {
          const body = parseBody(req.body);
          const row = this.engine.store.transaction(() =>
            this.writer.updateOrderLine(childKey, body, req.headers['if-match'], key),
          );
          return this.answers.written(req, target, row, 200, entityContext(req));
        },
      };
    }
    if (target.name === 'salesOrderLines' && method === 'DELETE') {
      return {
        pattern,
        handle: (req) => {
          this.engine.store.transaction(() =>
            this.writer.deleteOrderLine(childKey, req.headers['if-match'], key),
          );
          return noContent();
        },
      };
    }
    throw methodNotAllowed(method, nav.name);
  }

  private requireParent(def: EntitySetDef, key: string): Row {
    const row = this.engine.readRow(def, key);
    if (!row) throw notFound(`The ${def.typeName} with id '${key}' does not exist.`);
    return row;
  }

  private create(def: EntitySetDef, body: Body): Row {
    return this.engine.store.transaction(() => {
      switch (def.name as ErpTableName) {
        case 'customers':
          return this.writer.createCustomer(body);
        case 'salesOrders':
          return this.writer.createSalesOrder(body);
        case 'salesOrderLines':
          return this.writer.createOrderLine(body);
        default:
          throw methodNotAllowed('POST', def.name);
      }
    });
  }

  private update(def: EntitySetDef, key: string, body: Body, ifMatch: string | undefined): Row {
    return this.engine.store.transaction(() => {
      switch (def.name as ErpTableName) {
        case 'customers':
          return this.writer.updateCustomer(key, body, ifMatch);
        case 'salesOrders':
          return this.writer.updateSalesOrder(key, body, ifMatch);
        case 'salesOrderLines':
          return this.writer.updateOrderLine(key, body, ifMatch);
        default:
          throw methodNotAllowed('PATCH', def.name);
      }
    });
  }

  private remove(def: EntitySetDef, key: string, ifMatch: string | undefined): void {
    this.engine.store.transaction(() => {
      switch (def.name as ErpTableName) {
        case 'customers':
          return this.writer.deleteCustomer(key, ifMatch);
        case 'salesOrders':
          return this.writer.deleteSalesOrder(key, ifMatch);
        case 'salesOrderLines':
          return this.writer.deleteOrderLine(key, ifMatch);
        case 'salesQuotes':
          return this.writer.deleteSalesQuote(key, ifMatch);
        default:
          throw methodNotAllowed('DELETE', def.name);
      }
    });
  }
}
