import type { Row } from '../erp/store.js';
import type { ColumnKind } from '../generator/model.js';
import { type QueryEngine, recordUrl } from './engine.js';
import { CrmError, invalidField, invalidType, jsonParserError, notFound } from './errors.js';
import { salesforceId, to18 } from './ids.js';
import { isValidDate, parseDateTime } from './literals.js';
import { canonicalField, SOBJECTS, type SObjectDef, sobject } from './objects.js';
import {
  API_PREFIX,
  type CrmRequest,
  json,
  methodNotAllowed,
  parseJsonBody,
  type Route,
} from './protocol.js';

/**
 * The sObject routes that read or change single records and collections of them: validation
 * by the object model (unknown, read-only and mistyped fields, required fields, lookups that
 * must point at existing records), Salesforce's computed fields, soft delete, the
 * last-modified precondition, upsert by external id and the composite/sobjects collections.
 */

/** At most this many records in one sObject collection write; 2,000 for a retrieve. */
export const MAX_COLLECTION_WRITE = 200;
export const MAX_COLLECTION_RETRIEVE = 2000;

type Body = Record<string, unknown>;

/** Salesforce's lengths of common text fields (by name or suffix); others allow 255. */
const TEXT_LENGTHS: [RegExp, number][] = [
  [/^(Description|Discount_Approval_Comment__c)$/, 32_000],
  [/^(FirstName|Salutation)$/, 40],
  [/^(LastName|Email|Username)$/, 80],
  [/(Phone)$/, 40],
  [/^Title$/, 128],
  [/City$/, 40],
  [/State$/, 80],
  [/PostalCode$/, 20],
  [/Country$/, 80],
  [/Street$/, 255],
];

function maxLength(field: string): number {
  for (const [pattern, length] of TEXT_LENGTHS) if (pattern.test(field)) return length;
  return 255;
}

const quote = (name: string) => `"${name}"`;

function objectBody(value: unknown, what = 'The request body'): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw jsonParserError(`${what} must be a JSON object.`);
  }
  return value as Body;
}

function requireType(name: string): SObjectDef {
  const def = sobject(name);
  if (!def) throw notFound(`The requested resource does not exist`);
  return def;
}

/** Collection answers report errors as `{statusCode, message, fields}`. */
interface SaveResult {
  id: string | null;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
}

function failure(error: CrmError, id: string | null = null): SaveResult {
  return {
    id,
    success: false,
    errors: [{ statusCode: error.errorCode, message: error.message, fields: error.fields ?? [] }],
  };
}

const ROLLED_BACK: SaveResult['errors'][number] = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

class Rollback extends Error {}

export class Writer {
  private idCounter = Date.now() % 1_000_000_000_000;

  constructor(private readonly engine: QueryEngine) {}

  private get store() {
    return this.engine.store;
  }

  // ------------------------------------------------------------------ records

  private existingRow(def: SObjectDef, rawId: string): Row {
    const id = to18(rawId);
    if (!id || id.slice(0, 3) !== def.keyPrefix) {
      throw new CrmError(404, 'NOT_FOUND', 'The requested resource does not exist');
    }
    const row = this.store.get(`SELECT * FROM ${quote(def.name)} WHERE "Id" = ?`, [id]);
    if (!row) throw new CrmError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (row.IsDeleted === 1) throw new CrmError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    return row;
  }

  private freshId(def: SObjectDef): string {
    for (;;) {
      const id = salesforceId(def.keyPrefix, this.idCounter++);
      if (!this.store.get(`SELECT 1 FROM ${quote(def.name)} WHERE "Id" = ?`, [id])) return id;
    }
  }

  /** Checks a body's fields against the model and converts them to stored values. */
  private fieldsOf(def: SObjectDef, body: Body, creating: boolean): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const [rawName, value] of Object.entries(body)) {
      if (rawName === 'attributes') continue;
      const field = canonicalField(def, rawName);
      if (!field) {
        throw invalidField(`No such column '${rawName}' on sobject of type ${def.name}`, [rawName]);
      }
      if (!def.writable.has(field)) {
        throw new CrmError(
          400,
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to ${creating ? 'create' : 'update'} fields: ${field}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          [field],
        );
      }
      values[field] = this.storedValue(def, field, def.columns[field]!, value);
    }
    return values;
  }

  private storedValue(def: SObjectDef, field: string, kind: ColumnKind, value: unknown): unknown {
    if (value === null) return null;
    const wrong = (type: string) =>
      jsonParserError(
        `Cannot deserialize instance of ${type} from ${JSON.stringify(value)} for field ${field}`,
      );
    switch (kind) {
      case 'text':
      case 'guid':
        if (typeof value !== 'string') throw wrong('string');
        if (value.length > maxLength(field)) {
          throw new CrmError(
            400,
            'STRING_TOO_LONG',
            `${field}: data value too large: ${value.slice(0, 40)}… (max length=${maxLength(field)})`,
            [field],
          );
        }
        return value === '' ? null : value;
      case 'id18': {
        if (typeof value !== 'string') throw wrong('reference');
        if (value === '') return null;
        const id = to18(value);
        if (!id) {
          throw new CrmError(400, 'MALFORMED_ID', `${field}: id value of incorrect type: ${value}`, [field]);
        }
        const parent = [...def.parents.values()].find((p) => p.field === field);
        if (parent) {
          const target = SOBJECTS[parent.target];
          const exists = this.store.get(
            `SELECT 1 FROM ${quote(target.name)} WHERE "Id" = ? AND "IsDeleted" IS NOT 1`,
            [id],
          );
          if (!exists) {
            throw new CrmError(400, 'INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [field]);
          }
        }
        return id;
      }
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value)) throw wrong('int');
        return value;
      case 'decimal':
        if (typeof value !== 'number' || !Number.isFinite(value)) throw wrong('double');
        return value;
      case 'boolean':
        if (typeof value !== 'boolean') throw wrong('boolean');
        return value ? 1 : 0;
      case 'date':
        if (typeof value !== 'string') throw wrong('date');
        if (!isValidDate(value)) {
          throw new CrmError(
            400,
            'INVALID_TYPE_ON_FIELD_IN_RECORD',
            `${field}: value not of required type: ${value}`,
            [field],
          );
        }
        return value;
      case 'datetime': {
        if (typeof value !== 'string') throw wrong('datetime');
        const parsed = parseDateTime(value);
        if (!parsed) {
          throw new CrmError(
            400,
            'INVALID_TYPE_ON_FIELD_IN_RECORD',
            `${field}: value not of required type: ${value}`,
            [field],
          );
        }
        return parsed;
      }
    }
  }

  /**
   * Fields Salesforce derives from others (compound names, flags, auto-numbers); `now` is the
   * write's own time (its LastModifiedDate).
   */
  private computed(def: SObjectDef, row: Row, creating: boolean, now: string): void {
    if (def.name === 'Contact' || def.name === 'User') {
      row.Name =
        [row.FirstName, row.LastName].filter((p) => typeof p === 'string' && p !== '').join(' ') || null;
    }
    if (def.name === 'Case') this.caseClosure(row, now);
    if (def.name === 'Task') row.IsClosed = row.Status === 'Completed' ? 1 : 0;
    if (def.name === 'Opportunity') {
      row.IsClosed = row.StageName === 'Closed Won' || row.StageName === 'Closed Lost' ? 1 : 0;
      row.IsWon = row.StageName === 'Closed Won' ? 1 : 0;
    }
    if (def.name === 'QuoteLineItem') {
      const subtotal = Number(row.Quantity ?? 0) * Number(row.UnitPrice ?? 0);
      row.Subtotal = Math.round(subtotal * 100) / 100;
      row.TotalPrice = Math.round(subtotal * (1 - Number(row.Discount ?? 0) / 100) * 100) / 100;
    }
    if (def.name === 'Quote') {
      row.GrandTotal = Math.round((Number(row.TotalPrice ?? 0) + Number(row.Tax ?? 0)) * 100) / 100;
    }
    if (def.name === 'Entitlement') this.entitlementCases(row, creating);
    if (creating && (def.name === 'Case' || def.name === 'Quote')) {
      const column = def.name === 'Case' ? 'CaseNumber' : 'QuoteNumber';
      const max = this.store.get(
        `SELECT MAX(CAST(${quote(column)} AS INTEGER)) AS n FROM ${quote(def.name)}`,
      );
      row[column] = String(Number(max?.n ?? 0) + 1).padStart(8, '0');
    }
  }

  /**
   * A case's IsClosed and ClosedDate (both read-only, as in Salesforce): a case saved with a
   * closed status is closed, ClosedDate the time of the write that closed it (kept while it stays
   * closed); saved with an open status (reopened) both are cleared. `row` holds the case as it
   * was before this write (an update) or nothing yet (an insert).
   */
  private caseClosure(row: Row, now: string): void {
    const wasClosed = row.IsClosed === 1 && typeof row.ClosedDate === 'string';
    const closed = row.Status === 'Closed';
    row.IsClosed = closed ? 1 : 0;
    row.ClosedDate = closed ? (wasClosed ? row.ClosedDate : now) : null;
  }

  /**
   * An entitlement's RemainingCases (read-only, as in Salesforce): a per-incident one starts
   * with CasesPerEntitlement and moves with a later change of it (never below 0); one that is
   * not per incident, or has no limit, has none.
   */
  private entitlementCases(row: Row, creating: boolean): void {
    const perCase = row.CasesPerEntitlement;
    if (row.IsPerIncident !== 1 || typeof perCase !== 'number') {
      row.RemainingCases = null;
      return;
    }
    if (creating || typeof row.RemainingCases !== 'number') {
      row.RemainingCases = perCase;
      return;
    }
    const before = this.store.get(`SELECT "CasesPerEntitlement" AS n FROM "Entitlement" WHERE "Id" = ?`, [
      row.Id,
    ])?.n;
    const delta = typeof before === 'number' ? perCase - before : 0;
    row.RemainingCases = Math.max(0, row.RemainingCases + delta);
  }

  /**
   * Salesforce entitlement management: a case opened against a per-incident entitlement uses
   * one of its cases (RemainingCases never goes below 0). Only on insert: a later change of a
   * case's EntitlementId, or deleting the case, gives nothing back.
   */
  private useEntitlementCase(entitlementId: unknown): void {
    if (typeof entitlementId !== 'string') return;
    this.store.run(
      `UPDATE "Entitlement" SET "RemainingCases" = MAX("RemainingCases" - 1, 0) WHERE "Id" = ? AND "IsPerIncident" = 1 AND "RemainingCases" IS NOT NULL`,
      [entitlementId],
    );
  }

  /** A quote's totals follow its lines, as Salesforce's roll-up does. */
  private rollUpQuote(quoteId: unknown): void {
    if (typeof quoteId !== 'string') return;
    const sums = this.store.get(
      `SELECT COALESCE(SUM("Subtotal"), 0) AS subtotal, COALESCE(SUM("TotalPrice"), 0) AS total FROM "QuoteLineItem" WHERE "QuoteId" = ? AND "IsDeleted" IS NOT 1`,
      [quoteId],
    );
    const subtotal = Math.round(Number(sums?.subtotal ?? 0) * 100) / 100;
    const total = Math.round(Number(sums?.total ?? 0) * 100) / 100;
    const discount = subtotal === 0 ? 0 : Math.round(((subtotal - total) / subtotal) * 10000) / 100;
    this.store.run(
      `UPDATE "Quote" SET "Subtotal" = ?, "TotalPrice" = ?, "Discount" = ?, "GrandTotal" = ? + COALESCE("Tax", 0) WHERE "Id" = ?`,
      [subtotal, total, discount, total, quoteId],
    );
  }

  private checkRequired(def: SObjectDef, row: Row): void {
    const missing = def.required.filter((f) => row[f] === null || row[f] === undefined || row[f] === '');
    if (missing.length > 0) {
      throw new CrmError(
        400,
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${missing.join(', ')}]`,
        missing,
      );
    }
  }

  create(def: SObjectDef, bodyValue: unknown): string {
    const body = objectBody(bodyValue);
    const attributes = body.attributes as { type?: unknown } | undefined;
    if (attributes !== undefined && (typeof attributes !== 'object' || attributes === null)) {
      throw jsonParserError("'attributes' must be an object");
    }
    const values = this.fieldsOf(def, body, true);
    const now = new Date().toISOString();
    const row: Row = Object.fromEntries(Object.keys(def.columns).map((c) => [c, null]));
    Object.assign(row, values);
    if ('OwnerId' in def.columns && row.OwnerId === null) {
      // The running user owns what it creates: the stand-in's first active user.
      row.OwnerId =
        this.store.get(`SELECT "Id" FROM "User" WHERE "IsActive" = 1 ORDER BY "Id" LIMIT 1`)?.Id ?? null;
    }
    this.checkRequired(def, row);
    this.computed(def, row, true, now);
    row.Id = this.freshId(def);
    row.CreatedDate = now;
    row.LastModifiedDate = now;
    row.SystemModstamp = now;
    row.IsDeleted = 0;
    const columns = Object.keys(def.columns);
    this.store.run(
      `INSERT INTO ${quote(def.name)} (${columns.map(quote).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      columns.map((c) => row[c] as unknown),
    );
    if (def.name === 'QuoteLineItem') this.rollUpQuote(row.QuoteId);
    if (def.name === 'Case') this.useEntitlementCase(row.EntitlementId);
    return String(row.Id);
  }

  update(def: SObjectDef, rawId: string, bodyValue: unknown, ifUnmodifiedSince?: string): void {
    const body = objectBody(bodyValue);
    const row = this.existingRow(def, rawId);
    if (ifUnmodifiedSince !== undefined) {
      const since = Date.parse(ifUnmodifiedSince);
      if (Number.isNaN(since)) {
        throw new CrmError(
          400,
          'INVALID_HEADER_TYPE',
          `If-Unmodified-Since is not a valid HTTP date: ${ifUnmodifiedSince}`,
        );
      }
      // HTTP dates have whole seconds: the record changed after `since` if its second is later.
      const modified = Math.floor(Date.parse(String(row.LastModifiedDate)) / 1000) * 1000;
      if (modified > since) {
        throw new CrmError(
          412,
          'PRECONDITION_FAILED',
          `The requested resource has been modified since ${new Date(since).toUTCString()} (last modified ${String(row.LastModifiedDate)}).`,
        );
      }
    }
    const values = this.fieldsOf(def, body, false);
    const next: Row = { ...row, ...values };
    this.checkRequired(def, next);
    // Strictly later than the previous stamp, so a last-modified check always sees the change.
    const previous = Date.parse(String(row.LastModifiedDate));
    const now = new Date(Math.max(Date.now(), Number.isNaN(previous) ? 0 : previous + 1)).toISOString();
    this.computed(def, next, false, now);
    next.LastModifiedDate = now;
    next.SystemModstamp = now;
    const columns = Object.keys(def.columns).filter((c) => c !== 'Id');
    this.store.run(
      `UPDATE ${quote(def.name)} SET ${columns.map((c) => `${quote(c)} = ?`).join(', ')} WHERE "Id" = ?`,
      [...columns.map((c) => next[c] as unknown), row.Id],
    );
    if (def.name === 'QuoteLineItem') {
      this.rollUpQuote(next.QuoteId);
      if (row.QuoteId !== next.QuoteId) this.rollUpQuote(row.QuoteId);
    }
  }

  remove(def: SObjectDef, rawId: string): void {
    const row = this.existingRow(def, rawId);
    const now = new Date().toISOString();
    this.store.run(
      `UPDATE ${quote(def.name)} SET "IsDeleted" = 1, "LastModifiedDate" = ?, "SystemModstamp" = ? WHERE "Id" = ?`,
      [now, now, row.Id],
    );
    if (def.name === 'QuoteLineItem') this.rollUpQuote(row.QuoteId);
  }

  private fieldList(def: SObjectDef, raw: string | null | undefined): string[] | undefined {
    if (raw === null || raw === undefined || raw.trim() === '') return undefined;
    return raw.split(',').map((name) => {
      const field = canonicalField(def, name.trim());
      if (!field)
        throw invalidField(
          `No such column '${name.trim()}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      return field;
    });
  }

  private matchesByExternalId(def: SObjectDef, field: string, value: string): Row[] {
    return this.store.all(
      `SELECT * FROM ${quote(def.name)} WHERE ${quote(field)} = ? COLLATE NOCASE AND "IsDeleted" IS NOT 1 ORDER BY "Id"`,
      [value],
    );
  }

  // ------------------------------------------------------------------ routes

  resolveSObjects(method: string, segments: string[]): Route {
    const [typeName, second, third, ...rest] = segments;
    if (rest.length > 0) throw notFound();
    if (typeName === undefined) {
      if (method !== 'GET') throw methodNotAllowed(method, ['GET']);
      return {
        name: 'sobjects.describeGlobal',
        handle: () =>
          json(200, {
            encoding: 'UTF-8',
            maxBatchSize: MAX_COLLECTION_WRITE,
            sobjects: Object.values(SOBJECTS).map((d) => ({
              name: d.name,
              keyPrefix: d.keyPrefix,
              urls: {
                sobject: `${API_PREFIX}/sobjects/${d.name}`,
                rowTemplate: `${API_PREFIX}/sobjects/${d.name}/{ID}`,
              },
            })),
          }),
      };
    }
    const def = requireType(typeName);
    if (second === undefined) {
      if (method === 'POST') {
        return {
          name: 'sobject.create',
          handle: (req) => {
            const id = this.store.transaction(() => this.create(def, parseJsonBody(req.body)));
            return json(
              201,
              { id, success: true, errors: [] },
              { Location: recordUrl(API_PREFIX, def.name, id) },
            );
          },
        };
      }
      if (method === 'GET') {
        return {
          name: 'sobject.info',
          handle: () => json(200, { objectDescribe: this.describeHead(def), recentItems: [] }),
        };
      }
      throw methodNotAllowed(method, ['GET', 'POST']);
    }
    if (second === 'describe' && third === undefined) {
      if (method !== 'GET') throw methodNotAllowed(method, ['GET']);
      return { name: 'sobject.describe', handle: () => json(200, this.describe(def)) };
    }
    if (third === undefined) {
      const id = second;
      switch (method) {
        case 'GET':
          return {
            name: 'sobject.get',
            handle: (req) => {
              const fields = this.fieldList(def, req.query.get('fields'));
              return json(200, this.engine.recordOf(def, this.existingRow(def, id), fields));
            },
          };
        case 'PATCH':
          return {
            name: 'sobject.patch',
            handle: (req) => {
              this.store.transaction(() =>
                this.update(def, id, parseJsonBody(req.body), req.headers['if-unmodified-since']),
              );
              return { status: 204, headers: {} };
            },
          };
        case 'DELETE':
          return {
            name: 'sobject.delete',
            handle: () => {
              this.store.transaction(() => this.remove(def, id));
              return { status: 204, headers: {} };
            },
          };
        default:
          throw methodNotAllowed(method, ['GET', 'PATCH', 'DELETE']);
      }
    }
    const field = canonicalField(def, second);
    if (!field || !def.externalIds.has(field)) {
      throw notFound(`Provided external ID field does not exist or is not accessible: ${second}`);
    }
    const value = third;
    const several = (rows: Row[]) =>
      json(
        300,
        rows.map((r) => recordUrl(API_PREFIX, def.name, String(r.Id))),
      );
    switch (method) {
      case 'GET':
        return {
          name: 'externalId.get',
          handle: (req) => {
            const fields = this.fieldList(def, req.query.get('fields'));
            const rows = this.matchesByExternalId(def, field, value);
            if (rows.length === 0) throw notFound('The requested resource does not exist');
            if (rows.length > 1) return several(rows);
            return json(200, this.engine.recordOf(def, rows[0]!, fields));
          },
        };
      case 'PATCH':
        return {
          name: 'upsert',
          handle: (req) =>
            this.store.transaction(() => {
              const body = objectBody(parseJsonBody(req.body));
              const given = Object.entries(body).find(([k]) => k.toLowerCase() === field.toLowerCase());
              if (given && given[1] !== value) {
                throw invalidField(`The external ID field ${field} in the body does not match the URL`, [
                  field,
                ]);
              }
              const rest = Object.fromEntries(
                Object.entries(body).filter(([k]) => k.toLowerCase() !== field.toLowerCase()),
              );
              const rows = this.matchesByExternalId(def, field, value);
              if (rows.length > 1) return several(rows);
              if (rows.length === 1) {
                this.update(def, String(rows[0]!.Id), rest, req.headers['if-unmodified-since']);
                return { status: 204, headers: {} };
              }
              const id = this.create(def, { ...rest, [field]: value });
              return json(201, { id, success: true, errors: [], created: true });
            }),
        };
      case 'DELETE':
        return {
          name: 'externalId.delete',
          handle: () =>
            this.store.transaction(() => {
              const rows = this.matchesByExternalId(def, field, value);
              if (rows.length === 0) throw notFound('The requested resource does not exist');
              if (rows.length > 1) return several(rows);
              this.remove(def, String(rows[0]!.Id));
              return { status: 204, headers: {} };
            }),
        };
      default:
        throw methodNotAllowed(method, ['GET', 'PATCH', 'DELETE']);
    }
  }

  private describeHead(def: SObjectDef) {
    return {
      name: def.name,
      keyPrefix: def.keyPrefix,
      createable: true,
      updateable: true,
      deletable: true,
      queryable: true,
      urls: {
        sobject: `${API_PREFIX}/sobjects/${def.name}`,
        describe: `${API_PREFIX}/sobjects/${def.name}/describe`,
      },
    };
  }

  private describe(def: SObjectDef) {
    const parentOf = new Map([...def.parents.values()].map((p) => [p.field, p]));
    return {
      ...this.describeHead(def),
      fields: Object.entries(def.columns).map(([name, kind]) => ({
        name,
        type:
          name === 'Id'
            ? 'id'
            : kind === 'id18'
              ? 'reference'
              : kind === 'decimal'
                ? 'double'
                : kind === 'integer'
                  ? 'int'
                  : kind === 'text' || kind === 'guid'
                    ? 'string'
                    : kind,
        nillable: !def.required.includes(name) && kind !== 'boolean' && name !== 'Id',
        createable: def.writable.has(name),
        updateable: def.writable.has(name),
        externalId: def.externalIds.has(name),
        relationshipName: parentOf.get(name)?.name ?? null,
        referenceTo: parentOf.has(name) ? [parentOf.get(name)!.target] : [],
      })),
      childRelationships: [...def.children.values()].map((c) => ({
        relationshipName: c.name,
        childSObject: c.child,
        field: c.field,
      })),
    };
  }

  resolveCollections(method: string, segments: string[]): Route {
    const [typeName, ...rest] = segments;
    if (rest.length > 0) throw notFound();
    if (typeName === undefined) {
      switch (method) {
        case 'POST':
          return {
            name: 'composite.sobjects.create',
            heavy: true,
            handle: (req) => this.collectionWrite(req, 'create'),
          };
        case 'PATCH':
          return {
            name: 'composite.sobjects.update',
            heavy: true,
            handle: (req) => this.collectionWrite(req, 'update'),
          };
        case 'DELETE':
          return {
            name: 'composite.sobjects.delete',
            heavy: true,
            handle: (req) => this.collectionDelete(req),
          };
        default:
          throw methodNotAllowed(method, ['POST', 'PATCH', 'DELETE']);
      }
    }
    const def = requireType(typeName);
    if (method !== 'POST' && method !== 'GET') throw methodNotAllowed(method, ['GET', 'POST']);
    return {
      name: 'composite.sobjects.retrieve',
      heavy: true,
      handle: (req) => {
        let ids: unknown;
        let fields: unknown;
        if (method === 'POST') {
          const body = objectBody(parseJsonBody(req.body));
          ids = body.ids;
          fields = body.fields;
        } else {
          ids = (req.query.get('ids') ?? '').split(',').filter((s) => s !== '');
          fields = (req.query.get('fields') ?? '').split(',').filter((s) => s !== '');
        }
        if (!Array.isArray(ids) || ids.length === 0 || !ids.every((i) => typeof i === 'string')) {
          throw invalidType("'ids' must be a non-empty list of record ids");
        }
        if (!Array.isArray(fields) || fields.length === 0 || !fields.every((f) => typeof f === 'string')) {
          throw invalidType("'fields' must be a non-empty list of field names");
        }
        if (ids.length > MAX_COLLECTION_RETRIEVE) {
          throw new CrmError(
            400,
            'EXCEEDED_ID_LIMIT',
            `record limit reached. cannot retrieve more than ${MAX_COLLECTION_RETRIEVE} records in one call`,
          );
        }
        const fieldNames = this.fieldList(def, (fields as string[]).join(','))!;
        const byId = new Map<string, Row>();
        const wanted = (ids as string[]).map((i) => to18(i)).filter((i): i is string => i !== undefined);
        const rows = this.store.all(
          `SELECT * FROM ${quote(def.name)} WHERE "Id" IN (SELECT value FROM json_each(?)) AND "IsDeleted" IS NOT 1`,
          [JSON.stringify(wanted)],
        );
        for (const row of rows) byId.set(String(row.Id), row);
        return json(
          200,
          (ids as string[]).map((raw) => {
            const row = byId.get(to18(raw) ?? '');
            return row ? this.engine.recordOf(def, row, fieldNames) : null;
          }),
        );
      },
    };
  }

  private allOrNone(value: unknown): boolean {
    if (value === undefined) return false;
    if (typeof value !== 'boolean') throw jsonParserError("'allOrNone' must be true or false");
    return value;
  }

  private collectionWrite(req: CrmRequest, mode: 'create' | 'update') {
    const body = objectBody(parseJsonBody(req.body));
    const allOrNone = this.allOrNone(body.allOrNone);
    const records = body.records;
    if (!Array.isArray(records)) throw jsonParserError("'records' must be a list of sObjects");
    if (records.length > MAX_COLLECTION_WRITE) {
      throw new CrmError(
        400,
        'EXCEEDED_ID_LIMIT',
        `record limit reached. cannot submit more than ${MAX_COLLECTION_WRITE} records into this call`,
      );
    }
    return json(
      200,
      this.perRecord(records, allOrNone, (raw) => {
        const record = objectBody(raw, 'Each record');
        const attributes = record.attributes as { type?: unknown } | undefined;
        let def: SObjectDef | undefined;
        if (attributes && typeof attributes === 'object' && typeof attributes.type === 'string') {
          def = sobject(attributes.type);
        }
        const fields = Object.fromEntries(Object.entries(record).filter(([k]) => k !== 'attributes'));
        if (mode === 'create') {
          if (!def) throw invalidType('Each record needs attributes.type naming a supported sObject');
          if ('Id' in fields || 'id' in fields) {
            throw new CrmError(
              400,
              'INVALID_FIELD_FOR_INSERT_UPDATE',
              'cannot specify Id in an insert call',
              ['Id'],
            );
          }
          return this.create(def, fields);
        }
        const rawId = fields.Id ?? fields.id;
        if (typeof rawId !== 'string')
          throw new CrmError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
        def ??= Object.values(SOBJECTS).find((d) => d.keyPrefix === rawId.slice(0, 3));
        if (!def) throw new CrmError(400, 'MALFORMED_ID', `invalid record id: ${rawId}`, ['Id']);
        const { Id: _i, id: _j, ...rest } = fields;
        this.update(def, rawId, rest);
        return to18(rawId)!;
      }),
    );
  }

  private collectionDelete(req: CrmRequest) {
    const ids = (req.query.get('ids') ?? '').split(',').filter((s) => s !== '');
    if (ids.length === 0) throw new CrmError(400, 'MISSING_ARGUMENT', "'ids' must name at least one record");
    if (ids.length > MAX_COLLECTION_WRITE) {
      throw new CrmError(
        400,
        'EXCEEDED_ID_LIMIT',
        `record limit reached. cannot submit more than ${MAX_COLLECTION_WRITE} records into this call`,
      );
    }
    const allOrNone = req.query.get('allOrNone') === 'true';
    return json(
      200,
      this.perRecord(ids, allOrNone, (raw) => {
        const id = String(raw);
        const def = Object.values(SOBJECTS).find((d) => d.keyPrefix === id.slice(0, 3));
        if (!def) throw new CrmError(400, 'MALFORMED_ID', `invalid record id: ${id}`);
        this.remove(def, id);
        return to18(id)!;
      }),
    );
  }

  /** Runs one write per record; with allOrNone, one failure rolls every record back. */
  private perRecord(items: unknown[], allOrNone: boolean, write: (item: unknown) => string): SaveResult[] {
    const run = (item: unknown): SaveResult => {
      try {
        // A savepoint per record: a failed record leaves nothing behind.
        return { id: this.store.transaction(() => write(item)), success: true, errors: [] };
      } catch (error) {
        if (error instanceof CrmError) return failure(error);
        throw error;
      }
    };
    if (!allOrNone) return items.map(run);
    let results: SaveResult[] = [];
    try {
      this.store.transaction(() => {
        results = items.map(run);
        if (results.some((r) => !r.success)) throw new Rollback();
      });
    } catch (error) {
      if (!(error instanceof Rollback)) throw error;
      return results.map((r) => (r.success ? { id: null, success: false, errors: [ROLLED_BACK] } : r));
    }
    return results;
  }
}
