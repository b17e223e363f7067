import { randomUUID } from 'node:crypto';
import type { ColumnKind, TableDef } from '../generator/model.js';
import { ENTITY_SETS, type EntitySetDef } from './entities.js';
import { badRequest, dialog, ErpError, notFound } from './errors.js';
import { GUID_ONLY_RE, normaliseDateTime, quoteIdent } from './odata.js';
import { etagOf, type Row, round2, type Store } from './store.js';

/**
 * Writes as Business Central performs them: body validation against the entity type, number
 * series, amounts computed from lines, optimistic concurrency through the ETag, and the two
 * bound actions of the sales document flow. Every function here is synchronous so a caller can
 * run several inside one SQLite transaction (`Isolation: snapshot` batches).
 */

const nowIso = () => new Date().toISOString();
const today = () => nowIso().slice(0, 10);

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

const EDM: Record<ColumnKind, string> = {
  guid: 'Edm.Guid',
  id18: 'Edm.String',
  text: 'Edm.String',
  date: 'Edm.Date',
  datetime: 'Edm.DateTimeOffset',
  integer: 'Edm.Int32',
  decimal: 'Edm.Decimal',
  boolean: 'Edm.Boolean',
};

const MAX_TEXT = 250;

/** JSON value → stored value for a column, refusing what BC's OData reader would refuse. */
function storedValue(kind: ColumnKind, field: string, value: unknown): unknown {
  const refuse = () =>
    badRequest(
      `Cannot convert a primitive value to the expected type '${EDM[kind]}' for property '${field}'.`,
    );
  switch (kind) {
    case 'text':
    case 'id18':
      if (typeof value !== 'string') throw refuse();
      if (value.length > MAX_TEXT)
        throw badRequest(`The length of the value for '${field}' exceeds ${MAX_TEXT}.`);
      return value;
    case 'guid':
      if (typeof value !== 'string' || !GUID_ONLY_RE.test(value)) throw refuse();
      return value.toLowerCase();
    case 'date': {
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw refuse();
      const ms = Date.parse(`${value}T00:00:00Z`);
      if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) throw refuse();
      return value;
    }
    case 'datetime': {
      const normal = typeof value === 'string' ? normaliseDateTime(value) : null;
      if (normal === null) throw refuse();
      return normal;
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw refuse();
      return value;
    case 'decimal':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw refuse();
      return round2(value);
    case 'boolean':
      if (typeof value !== 'boolean') throw refuse();
      return value ? 1 : 0;
  }
}

export type Body = Record<string, unknown>;

export function parseBody(text: string): Body {
  let body: unknown;
  try {
    body = text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object.');
  }
  return body as Body;
}

/** Validates a body against the set's writable fields; returns stored values by column. */
function validate(def: EntitySetDef, body: Body, allowNavigation: readonly string[] = []): Row {
  const values: Row = {};
  for (const [field, value] of Object.entries(body)) {
    if (field.startsWith('@odata.')) continue;
    if (allowNavigation.includes(field)) continue;
    const kind = def.table.columns[field];
    if (kind === undefined) {
      throw badRequest(
        `The property '${field}' does not exist on type 'Microsoft.NAV.${def.typeName}'. Make sure to only use property names that are defined by the type.`,
      );
    }
    if (!def.writable.has(field))
      throw badRequest(`The property '${field}' is read-only and cannot be changed.`);
    values[field] = storedValue(kind, field, value);
  }
  return values;
}

const CUSTOMER_TYPES = new Set(['Company', 'Person']);
const BLOCKED = new Set([' ', '', 'Ship', 'Invoice', 'All']);
const LINE_TYPES = new Set(['Comment', 'Account', 'Item', 'Resource', 'Fixed Asset', 'Charge']);

export class Writer {
  constructor(private readonly store: Store) {}

  // ---------------------------------------------------------------- generic helpers

  private insert(table: TableDef, row: Row): void {
    const columns = Object.keys(table.columns);
    const sql = `INSERT INTO ${quoteIdent(table.name)} (${columns.map(quoteIdent).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
    this.store.run(
      sql,
      columns.map((c) => row[c] ?? null),
    );
  }

  private update(table: TableDef, key: string, values: Row): void {
    const columns = Object.keys(values);
    if (columns.length === 0) return;
    const sql = `UPDATE ${quoteIdent(table.name)} SET ${columns.map((c) => `${quoteIdent(c)} = ?`).join(', ')} WHERE ${quoteIdent(table.key)} = ?`;
    this.store.run(sql, [...columns.map((c) => values[c] ?? null), key]);
  }

  private remove(table: TableDef, column: string, value: unknown): void {
    this.store.run(`DELETE FROM ${quoteIdent(table.name)} WHERE ${quoteIdent(column)} = ?`, [value]);
  }

  row(table: TableDef, key: string): Row | undefined {
    return this.store.get(`SELECT * FROM ${quoteIdent(table.name)} WHERE ${quoteIdent(table.key)} = ?`, [
      key,
    ]);
  }

  private rowsBy(table: TableDef, column: string, value: unknown, order = 'sequence'): Row[] {
    const orderBy = table.columns[order] ? order : table.key;
    return this.store.all(
      `SELECT * FROM ${quoteIdent(table.name)} WHERE ${quoteIdent(column)} = ? ORDER BY ${quoteIdent(orderBy)}`,
      [value],
    );
  }

  private requireRow(def: EntitySetDef, key: string): Row {
    const row = this.row(def.table, key);
    if (!row) throw notFound(`The ${def.typeName} with id '${key}' does not exist.`);
    return row;
  }

  /** Next number of a number series: the highest stored number with its digits incremented. */
  private nextNumber(table: TableDef, fallback: string): string {
    const last = this.store.get(
      `SELECT "number" FROM ${quoteIdent(table.name)} WHERE "number" IS NOT NULL ORDER BY "number" DESC LIMIT 1`,
    )?.number;
    let candidate = typeof last === 'string' ? incrementNumber(last) : fallback;
    // Series that are not zero-padded do not sort numerically; step past any taken number.
    while (this.store.get(`SELECT 1 AS x FROM ${quoteIdent(table.name)} WHERE "number" = ?`, [candidate])) {
      candidate = incrementNumber(candidate);
    }
    return candidate;
  }

  /**
   * What a posted shipment writes to the item ledger (the custom itemLedgerEntries API): one
   * sale per shipped item line, one per unit with a new serial number for a serialized item
   * (item category MACHINE), as the generator writes them.
   */
  private itemLedger(order: Row, shipment: Row): { post(line: Row, quantity: number): void } {
    const table = ENTITY_SETS.itemLedgerEntries.table;
    // The ledger is only appended to, in entry (and serial) number order: the last rows hold
    // the highest numbers, found without the scan of every entry that MAX() would be.
    let entryNumber = Number(
      this.store.get(`SELECT "entryNumber" AS n FROM "itemLedgerEntries" ORDER BY rowid DESC LIMIT 1`)?.n ??
        0,
    );
    let serial = Number(
      this.store.get(
        `SELECT CAST(substr("serialNumber", -7) AS INTEGER) AS n FROM "itemLedgerEntries" WHERE "serialNumber" LIKE 'SN%-%' ORDER BY rowid DESC LIMIT 1`,
      )?.n ?? 0,
    );
    const entry = (line: Row, item: Row, quantity: number, serialNumber: string): Row => ({
      id: randomUUID(),
      entryNumber: ++entryNumber,
      entryType: 'Sale',
      postingDate: shipment.postingDate,
      documentType: 'Sales Shipment',
      documentNumber: shipment.number,
      documentLineNumber: line.sequence,
      orderNumber: order.number,
      itemId: item.id,
      itemNumber: item.number,
      description: line.description ?? item.displayName,
      customerId: order.customerId,
      customerNumber: order.customerNumber,
      quantity,
      serialNumber,
      lastModifiedDateTime: shipment.lastModifiedDateTime,
    });
    return {
      post: (line, quantity) => {
        if (line.lineType !== 'Item' || typeof line.itemId !== 'string') return;
        const item = this.row(ENTITY_SETS.items.table, line.itemId);
        if (!item) return;
        if (item.itemCategoryCode === 'MACHINE' && Number.isInteger(quantity)) {
          for (let unit = 0; unit < quantity; unit++) {
            const serialNumber = `SN${String(item.number)}-${String(++serial).padStart(7, '0')}`;
            this.insert(table, entry(line, item, -1, serialNumber));
          }
        } else {
          this.insert(table, entry(line, item, -quantity, ''));
        }
      },
    };
  }

  /** BC requires If-Match on PATCH and DELETE; `*` skips the check. */
  checkEtag(row: Row, ifMatch: string | undefined): void {
    if (ifMatch === undefined || ifMatch.trim() === '') {
      throw badRequest(
        'Could not validate the client concurrency token required by the service. Please provide a valid token in the client request.',
      );
    }
    if (ifMatch.trim() === '*') return;
    const current = etagOf(row);
    const offered = ifMatch.split(',').map((s) => s.trim());
    if (!offered.includes(current)) {
      throw new ErpError(409, 'Request_EntityChanged', 'Another user has already changed the record.');
    }
  }

  // ---------------------------------------------------------------- customers

  createCustomer(body: Body): Row {
    const def = ENTITY_SETS.customers;
    const values = validate(def, body);
    checkCustomerValues(values);
    if (
      typeof values.number === 'string' &&
      this.store.get('SELECT 1 AS x FROM "customers" WHERE "number" = ?', [values.number])
    ) {
      throw new ErpError(
        400,
        'Internal_EntityWithSameKeyExists',
        `The record in table Customer already exists. Identification fields and values: No.='${values.number}'`,
      );
    }
    const id = randomUUID();
    const row: Row = {
      type: 'Company',
      blocked: ' ',
      balanceDue: 0,
      creditLimit: 0,
      taxLiable: 0,
      ...values,
      id,
      number: values.number ?? this.nextNumber(def.table, 'C00001'),
      lastModifiedDateTime: nowIso(),
    };
    this.insert(def.table, row);
    // BC computes this per customer; the stand-in stores it, so a new customer gets its row.
    // (agedAccountsReceivables is computed when read: legacy/erp/reporting.ts.)
    this.insert(ENTITY_SETS.customerFinancialDetails.table, {
      id,
      number: row.number,
      balance: 0,
      totalSalesExcludingTax: 0,
      overdueAmount: 0,
    });
    return this.row(def.table, id)!;
  }

  updateCustomer(id: string, body: Body, ifMatch: string | undefined): Row {
    const def = ENTITY_SETS.customers;
    const row = this.requireRow(def, id);
    this.checkEtag(row, ifMatch);
    const values = validate(def, body);
    checkCustomerValues(values);
    if (typeof values.number === 'string' && values.number !== row.number) {
      if (this.store.get('SELECT 1 AS x FROM "customers" WHERE "number" = ?', [values.number])) {
        throw new ErpError(
          400,
          'Internal_EntityWithSameKeyExists',
          `The record in table Customer already exists. Identification fields and values: No.='${values.number}'`,
        );
      }
    }
    this.update(def.table, id, { ...values, lastModifiedDateTime: nowIso() });
    return this.row(def.table, id)!;
  }

  deleteCustomer(id: string, ifMatch: string | undefined): void {
    const def = ENTITY_SETS.customers;
    const row = this.requireRow(def, id);
    this.checkEtag(row, ifMatch);
    for (const [table, label] of [
      ['salesOrders', 'Order'],
      ['salesQuotes', 'Quote'],
    ] as const) {
      if (this.store.get(`SELECT 1 AS x FROM "${table}" WHERE "customerId" = ? LIMIT 1`, [id])) {
        throw dialog(
          `You cannot delete Customer ${String(row.number)} because there is at least one outstanding Sales ${label} for this customer.`,
        );
      }
    }
    if (Number(row.balanceDue ?? 0) !== 0) {
      throw dialog(`You cannot delete Customer ${String(row.number)} because it has a balance.`);
    }
    this.remove(def.table, 'id', id);
    this.remove(ENTITY_SETS.customerFinancialDetails.table, 'id', id);
    // Nothing reads the generated aged rows any more (they are computed); drop the customer's.
    this.remove(ENTITY_SETS.agedAccountsReceivables.table, 'customerId', id);
  }

  // ---------------------------------------------------------------- sales orders

  private customerFor(values: Row): Row {
    let customer: Row | undefined;
    if (typeof values.customerId === 'string') {
      customer = this.row(ENTITY_SETS.customers.table, values.customerId);
      if (!customer)
        throw dialog(
          `The Customer does not exist. Identification fields and values: Id='${values.customerId}'`,
        );
    } else if (typeof values.customerNumber === 'string') {
      customer = this.store.get('SELECT * FROM "customers" WHERE "number" = ?', [values.customerNumber]);
      if (!customer)
        throw dialog(
          `The Customer does not exist. Identification fields and values: No.='${values.customerNumber}'`,
        );
    } else {
      throw dialog('You must specify a customer id or a customer number to create a sales order.');
    }
    if (customer.blocked === 'All') {
      throw dialog(
        `You cannot create this type of document when Customer ${String(customer.number)} is blocked with type All.`,
      );
    }
    return customer;
  }

  private customerFields(customer: Row): Row {
    const address = (prefix: string): Row => ({
      [`${prefix}AddressLine1`]: customer.addressLine1,
      [`${prefix}AddressLine2`]: customer.addressLine2,
      [`${prefix}City`]: customer.city,
      [`${prefix}Country`]: customer.country,
      [`${prefix}State`]: customer.state,
      [`${prefix}PostCode`]: customer.postalCode,
    });
    return {
      customerId: customer.id,
      customerNumber: customer.number,
      customerName: customer.displayName,
      billToName: customer.displayName,
      billToCustomerId: customer.id,
      billToCustomerNumber: customer.number,
      shipToName: customer.displayName,
      ...address('sellTo'),
      ...address('billTo'),
      ...address('shipTo'),
      currencyId: customer.currencyId,
      currencyCode: customer.currencyCode,
      paymentTermsId: customer.paymentTermsId,
      shipmentMethodId: customer.shipmentMethodId,
      salesperson: customer.salespersonCode,
      phoneNumber: customer.phoneNumber,
      email: customer.email,
    };
  }

  createSalesOrder(body: Body): Row {
    const def = ENTITY_SETS.salesOrders;
    const values = validate(def, body, ['salesOrderLines']);
    const lines = body.salesOrderLines;
    if (lines !== undefined && !Array.isArray(lines)) {
      throw badRequest("The property 'salesOrderLines' must be a JSON array of sales order lines.");
    }
    const customer = this.customerFor(values);
    const id = randomUUID();
    const row: Row = {
      ...this.customerFields(customer),
      ...values,
      customerId: customer.id,
      customerNumber: customer.number,
      id,
      number: this.nextNumber(def.table, 'SO000001'),
      orderDate: values.orderDate ?? today(),
      postingDate: values.postingDate ?? today(),
      pricesIncludeTax: 0,
      partialShipping: values.partialShipping ?? 0,
      discountAmount: 0,
      discountAppliedBeforeTax: 1,
      totalAmountExcludingTax: 0,
      totalTaxAmount: 0,
      totalAmountIncludingTax: 0,
      fullyShipped: 0,
      status: 'Draft',
      lastModifiedDateTime: nowIso(),
    };
    this.insert(def.table, row);
    (lines as unknown[] | undefined)?.forEach((line, i) => {
      if (typeof line !== 'object' || line === null || Array.isArray(line)) {
        throw badRequest(`salesOrderLines[${i}] must be a JSON object.`);
      }
      this.insertOrderLine(row, line as Body, customer);
    });
    this.recomputeOrderTotals(id);
    return this.row(def.table, id)!;
  }

  updateSalesOrder(id: string, body: Body, ifMatch: string | undefined): Row {
    const def = ENTITY_SETS.salesOrders;
    const row = this.requireRow(def, id);
    this.checkEtag(row, ifMatch);
    if (body.salesOrderLines !== undefined) {
      throw badRequest("Deep update is not supported; change lines through 'salesOrderLines'.");
    }
    const values = validate(def, body);
    let patch: Row = values;
    const changesCustomer =
      (typeof values.customerId === 'string' && values.customerId !== row.customerId) ||
      (typeof values.customerNumber === 'string' && values.customerNumber !== row.customerNumber);
    if (changesCustomer) {
      const customer = this.customerFor(values);
      patch = {
        ...this.customerFields(customer),
        ...values,
        customerId: customer.id,
        customerNumber: customer.number,
      };
    }
    this.update(def.table, id, { ...patch, lastModifiedDateTime: nowIso() });
    return this.row(def.table, id)!;
  }

  deleteSalesOrder(id: string, ifMatch: string | undefined): void {
    const def = ENTITY_SETS.salesOrders;
    const row = this.requireRow(def, id);
    this.checkEtag(row, ifMatch);
    this.remove(ENTITY_SETS.salesOrderLines.table, 'documentId', id);
    this.remove(def.table, 'id', id);
  }

  deleteSalesQuote(id: string, ifMatch: string | undefined): void {
    const def = ENTITY_SETS.salesQuotes;
    const row = this.requireRow(def, id);
    this.checkEtag(row, ifMatch);
    this.remove(ENTITY_SETS.salesQuoteLines.table, 'documentId', id);
    this.remove(def.table, 'id', id);
  }

  // ---------------------------------------------------------------- sales order lines

  private lineTaxPercent(customer: Row, itemId: unknown): number {
    if (!customer.taxLiable) return 0;
    // Tax setup is not modelled; the rate last used for the item is what BC's setup produced.
    const last = this.store.get(
      'SELECT "taxPercent" FROM "salesOrderLines" WHERE "itemId" = ? AND "taxPercent" IS NOT NULL LIMIT 1',
      [itemId],
    );
    return Number(last?.taxPercent ?? 0);
  }

  private insertOrderLine(order: Row, body: Body, customerRow?: Row): Row {
    const def = ENTITY_SETS.salesOrderLines;
    const values = validate(def, body);
    if (values.documentId !== undefined && values.documentId !== order.id) {
      throw badRequest("The 'documentId' of the line does not match the sales order.");
    }
    const lineType = (values.lineType as string | undefined) ?? 'Item';
    if (!LINE_TYPES.has(lineType)) throw badRequest(`The value '${lineType}' is not valid for 'lineType'.`);
    const customer = customerRow ?? this.row(ENTITY_SETS.customers.table, String(order.customerId)) ?? {};
    let item: Row | undefined;
    if (lineType === 'Item') {
      if (typeof values.itemId === 'string') item = this.row(ENTITY_SETS.items.table, values.itemId);
      else if (typeof values.lineObjectNumber === 'string')
        item = this.store.get('SELECT * FROM "items" WHERE "number" = ?', [values.lineObjectNumber]);
      else throw dialog("An item line needs an 'itemId' or a 'lineObjectNumber'.");
      if (!item) {
        throw dialog(
          `The Item does not exist. Identification fields and values: ${typeof values.itemId === 'string' ? `Id='${values.itemId}'` : `No.='${String(values.lineObjectNumber)}'`}`,
        );
      }
      if (item.blocked === 1) throw dialog(`Item ${String(item.number)} is blocked.`);
    }
    const maxSequence = this.store.get(
      'SELECT MAX("sequence") AS s FROM "salesOrderLines" WHERE "documentId" = ?',
      [order.id],
    )?.s;
    const line: Row = {
      ...values,
      id: randomUUID(),
      documentId: order.id,
      sequence: values.sequence ?? Number(maxSequence ?? 0) + 10000,
      lineType,
      itemId: item?.id ?? null,
      lineObjectNumber: item?.number ?? values.lineObjectNumber ?? '',
      description: values.description ?? item?.displayName ?? '',
      unitOfMeasureCode: values.unitOfMeasureCode ?? item?.baseUnitOfMeasureCode ?? '',
      quantity: values.quantity ?? (lineType === 'Comment' ? 0 : 1),
      unitPrice: values.unitPrice ?? item?.unitPrice ?? 0,
      taxPercent: lineType === 'Comment' ? 0 : this.lineTaxPercent(customer, item?.id),
      shipmentDate: values.shipmentDate ?? order.requestedDeliveryDate ?? order.orderDate,
      shippedQuantity: 0,
      invoicedQuantity: 0,
    };
    if (Number(line.quantity) < 0) throw dialog('Quantity must not be negative.');
    Object.assign(line, lineAmounts(line, values.discountPercent !== undefined ? 'percent' : 'amount'));
    this.insert(def.table, line);
    return line;
  }

  /** POST of a line, top level (documentId in the body) or nested under its order. */
  createOrderLine(body: Body, documentId?: string): Row {
    const docId =
      documentId ?? (typeof body.documentId === 'string' ? body.documentId.toLowerCase() : undefined);
    if (!docId) throw dialog('You must specify a document id to create a line.');
    const order = this.row(ENTITY_SETS.salesOrders.table, docId);
    if (!order) throw notFound(`The salesOrder with id '${docId}' does not exist.`);
    const line = this.insertOrderLine(order, body);
    this.recomputeOrderTotals(docId);
    return this.row(ENTITY_SETS.salesOrderLines.table, String(line.id))!;
  }

  updateOrderLine(id: string, body: Body, ifMatch: string | undefined, documentId?: string): Row {
    const def = ENTITY_SETS.salesOrderLines;
    const row = this.requireRow(def, id);
    if (documentId !== undefined && row.documentId !== documentId)
      throw notFound(`The salesOrderLine with id '${id}' does not exist.`);
    this.checkEtag(row, ifMatch);
    const values = validate(def, body);
    if (values.documentId !== undefined && values.documentId !== row.documentId) {
      throw badRequest("A line cannot be moved to another document; 'documentId' cannot be changed.");
    }
    const merged = { ...row, ...values };
    if (Number(merged.quantity) < Number(row.shippedQuantity ?? 0)) {
      throw dialog(
        `Quantity cannot be less than the quantity already shipped (${String(row.shippedQuantity)}).`,
      );
    }
    Object.assign(merged, lineAmounts(merged, values.discountPercent !== undefined ? 'percent' : 'amount'));
    const { id: _id, ...rest } = merged;
    this.update(def.table, id, rest);
    this.recomputeOrderTotals(String(row.documentId));
    return this.row(def.table, id)!;
  }

  deleteOrderLine(id: string, ifMatch: string | undefined, documentId?: string): void {
    const def = ENTITY_SETS.salesOrderLines;
    const row = this.requireRow(def, id);
    if (documentId !== undefined && row.documentId !== documentId)
      throw notFound(`The salesOrderLine with id '${id}' does not exist.`);
    this.checkEtag(row, ifMatch);
    this.remove(def.table, 'id', id);
    this.recomputeOrderTotals(String(row.documentId));
  }

  private recomputeOrderTotals(orderId: string): void {
    const totals = this.store.get(
      'SELECT COALESCE(SUM("amountExcludingTax"), 0) AS ex, COALESCE(SUM("totalTaxAmount"), 0) AS tax, COALESCE(SUM("amountIncludingTax"), 0) AS inc FROM "salesOrderLines" WHERE "documentId" = ?',
      [orderId],
    )!;
    this.update(ENTITY_SETS.salesOrders.table, orderId, {
      totalAmountExcludingTax: round2(Number(totals.ex)),
      totalTaxAmount: round2(Number(totals.tax)),
      totalAmountIncludingTax: round2(Number(totals.inc)),
      lastModifiedDateTime: nowIso(),
    });
  }

  // ---------------------------------------------------------------- bound actions

  /** salesQuotes({id})/Microsoft.NAV.makeOrder: the order replaces the quote. */
  makeOrder(quoteId: string): Row {
    const quote = this.requireRow(ENTITY_SETS.salesQuotes, quoteId);
    const customer = quote.customerId
      ? this.row(ENTITY_SETS.customers.table, String(quote.customerId))
      : undefined;
    if (!customer)
      throw dialog(`Sales Quote ${String(quote.number)} has no customer and cannot be made into an order.`);
    if (customer.blocked === 'All') {
      throw dialog(
        `You cannot create this type of document when Customer ${String(customer.number)} is blocked with type All.`,
      );
    }
    const orders = ENTITY_SETS.salesOrders.table;
    const order: Row = {};
    for (const column of Object.keys(orders.columns)) {
      if (column in ENTITY_SETS.salesQuotes.table.columns) order[column] = quote[column];
    }
    Object.assign(order, {
      id: randomUUID(),
      number: this.nextNumber(orders, 'SO000001'),
      orderDate: today(),
      postingDate: today(),
      pricesIncludeTax: 0,
      partialShipping: 0,
      discountAppliedBeforeTax: 1,
      fullyShipped: 0,
      status: 'Draft',
      lastModifiedDateTime: nowIso(),
    });
    this.insert(orders, order);
    for (const line of this.rowsBy(ENTITY_SETS.salesQuoteLines.table, 'documentId', quoteId)) {
      this.insert(ENTITY_SETS.salesOrderLines.table, {
        ...line,
        id: randomUUID(),
        documentId: order.id,
        shipmentDate: order.requestedDeliveryDate ?? order.orderDate,
        shippedQuantity: 0,
        invoicedQuantity: 0,
      });
    }
    this.recomputeOrderTotals(String(order.id));
    this.remove(ENTITY_SETS.salesQuoteLines.table, 'documentId', quoteId);
    this.remove(ENTITY_SETS.salesQuotes.table, 'id', quoteId);
    return this.row(orders, String(order.id))!;
  }

  /**
   * salesOrders({id})/Microsoft.NAV.shipAndInvoice: posts what is left to ship as one shipment
   * and one posted invoice. BC deletes an order once it is fully invoiced; the stand-in keeps it
   * (fullyShipped, Released) so invoices and shipments keep a live link to their order, as the
   * generated history does.
   */
  shipAndInvoice(orderId: string): { shipment: Row; invoice: Row } {
    const order = this.requireRow(ENTITY_SETS.salesOrders, orderId);
    const customer = this.row(ENTITY_SETS.customers.table, String(order.customerId));
    if (customer && customer.blocked !== null && customer.blocked !== ' ' && customer.blocked !== '') {
      throw dialog(
        `You cannot post this type of document when Customer ${String(customer.number)} is blocked with type ${String(customer.blocked)}.`,
      );
    }
    const lines = this.rowsBy(ENTITY_SETS.salesOrderLines.table, 'documentId', orderId).filter(
      (l) => l.lineType !== 'Comment' && Number(l.quantity) - Number(l.invoicedQuantity ?? 0) > 0,
    );
    if (lines.length === 0) throw dialog('There is nothing to post.');
    const date = today();
    const now = nowIso();
    const header = (table: TableDef): Row => {
      const row: Row = {};
      for (const column of Object.keys(table.columns)) if (column in order) row[column] = order[column];
      return row;
    };

    const shipmentTable = ENTITY_SETS.salesShipments.table;
    const shipment: Row = {
      ...header(shipmentTable),
      id: randomUUID(),
      number: this.nextNumber(shipmentTable, 'SSH000001'),
      documentDate: date,
      postingDate: date,
      shipmentDate: date,
      orderNumber: order.number,
      paymentTermsCode: '',
      shipmentMethodCode: '',
      lastModifiedDateTime: now,
    };
    this.insert(shipmentTable, shipment);

    const invoiceTable = ENTITY_SETS.salesInvoices.table;
    const invoice: Row = {
      ...header(invoiceTable),
      id: randomUUID(),
      number: this.nextNumber(invoiceTable, 'SI000001'),
      invoiceDate: date,
      postingDate: date,
      dueDate: addDays(date, 30),
      customerPurchaseOrderReference: order.externalDocumentNumber ?? '',
      orderId: order.id,
      orderNumber: order.number,
      status: 'Open',
      lastModifiedDateTime: now,
    };
    let ex = 0;
    let tax = 0;
    let inc = 0;
    const invoiceLines: Row[] = [];
    const ledger = this.itemLedger(order, shipment);
    for (const line of lines) {
      const toShip = Number(line.quantity) - Number(line.shippedQuantity ?? 0);
      const toInvoice = Number(line.quantity) - Number(line.invoicedQuantity ?? 0);
      if (toShip > 0) {
        this.insert(ENTITY_SETS.salesShipmentLines.table, {
          id: randomUUID(),
          documentId: shipment.id,
          documentNo: shipment.number,
          sequence: line.sequence,
          lineType: line.lineType,
          lineObjectNumber: line.lineObjectNumber,
          description: line.description,
          unitOfMeasureCode: line.unitOfMeasureCode,
          unitPrice: line.unitPrice,
          quantity: toShip,
          discountPercent: line.discountPercent,
          taxPercent: line.taxPercent,
          shipmentDate: date,
        });
        ledger.post(line, toShip);
      }
      const invoiced: Row = {
        ...line,
        id: randomUUID(),
        documentId: invoice.id,
        quantity: toInvoice,
        shipmentDate: date,
      };
      Object.assign(invoiced, lineAmounts(invoiced, 'percent'));
      invoiceLines.push(invoiced);
      ex += Number(invoiced.amountExcludingTax);
      tax += Number(invoiced.totalTaxAmount);
      inc += Number(invoiced.amountIncludingTax);
      this.update(ENTITY_SETS.salesOrderLines.table, String(line.id), {
        shippedQuantity: line.quantity,
        invoicedQuantity: line.quantity,
      });
    }
    Object.assign(invoice, {
      discountAmount: 0,
      totalAmountExcludingTax: round2(ex),
      totalTaxAmount: round2(tax),
      totalAmountIncludingTax: round2(inc),
      remainingAmount: round2(inc),
    });
    this.insert(invoiceTable, invoice);
    for (const line of invoiceLines) this.insert(ENTITY_SETS.salesInvoiceLines.table, line);

    this.update(ENTITY_SETS.salesOrders.table, orderId, {
      fullyShipped: 1,
      status: 'Released',
      lastModifiedDateTime: now,
    });
    const total = round2(inc);
    this.store.run(
      'UPDATE "customers" SET "balanceDue" = ROUND(COALESCE("balanceDue", 0) + ?, 2), "lastModifiedDateTime" = ? WHERE "id" = ?',
      [total, now, order.customerId],
    );
    this.store.run(
      'UPDATE "customerFinancialDetails" SET "balance" = ROUND(COALESCE("balance", 0) + ?, 2), "totalSalesExcludingTax" = ROUND(COALESCE("totalSalesExcludingTax", 0) + ?, 2) WHERE "id" = ?',
      [total, round2(ex), order.customerId],
    );
    return {
      shipment: this.row(shipmentTable, String(shipment.id))!,
      invoice: this.row(invoiceTable, String(invoice.id))!,
    };
  }
}

function checkCustomerValues(values: Row): void {
  if (values.type !== undefined && !CUSTOMER_TYPES.has(String(values.type))) {
    throw badRequest(`The value '${String(values.type)}' is not valid for 'type'; use Company or Person.`);
  }
  if (values.blocked !== undefined) {
    if (!BLOCKED.has(String(values.blocked))) {
      throw badRequest(
        `The value '${String(values.blocked)}' is not valid for 'blocked'; use " ", Ship, Invoice or All.`,
      );
    }
    if (values.blocked === '') values.blocked = ' ';
  }
}

export function incrementNumber(number: string): string {
  const match = /^(.*?)(\d+)$/.exec(number);
  if (!match) return `${number}1`;
  const digits = match[2]!;
  const next = String(BigInt(digits) + 1n).padStart(digits.length, '0');
  return match[1] + next;
}

/**
 * A line's amounts as BC computes them (no invoice discount): the discount comes from the
 * percentage or the amount, whichever the client set; tax on the discounted amount.
 */
export function lineAmounts(line: Row, discountFrom: 'percent' | 'amount'): Row {
  if (line.lineType === 'Comment') {
    return {
      quantity: 0,
      unitPrice: 0,
      discountAmount: 0,
      discountPercent: 0,
      amountExcludingTax: 0,
      totalTaxAmount: 0,
      amountIncludingTax: 0,
      netAmount: 0,
      netTaxAmount: 0,
      netAmountIncludingTax: 0,
    };
  }
  const gross = round2(Number(line.quantity ?? 0) * Number(line.unitPrice ?? 0));
  let discountAmount: number;
  let discountPercent: number;
  if (discountFrom === 'percent') {
    discountPercent = Number(line.discountPercent ?? 0);
    if (discountPercent < 0 || discountPercent > 100)
      throw dialog('Line Discount % must be between 0 and 100.');
    discountAmount = round2((gross * discountPercent) / 100);
  } else {
    discountAmount = round2(Number(line.discountAmount ?? 0));
    if (discountAmount < 0 || discountAmount > gross)
      throw dialog('The line discount amount must be between 0 and the line amount.');
    discountPercent = gross === 0 ? 0 : round2((discountAmount / gross) * 100);
  }
  const ex = round2(gross - discountAmount);
  const tax = round2((ex * Number(line.taxPercent ?? 0)) / 100);
  return {
    discountAmount,
    discountPercent,
    amountExcludingTax: ex,
    totalTaxAmount: tax,
    amountIncludingTax: round2(ex + tax),
    netAmount: ex,
    netTaxAmount: tax,
    netAmountIncludingTax: round2(ex + tax),
  };
}
