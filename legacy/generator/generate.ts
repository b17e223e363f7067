import type { Database, Statement } from 'better-sqlite3';
import {
  CRM_TABLES,
  type CrmTableName,
  createTablesSql,
  ERP_TABLES,
  type ErpTableName,
  type TableDef,
} from './model.js';
import { Random, SalesforceIds } from './random.js';

/** Every date in the data set is relative to this day, so a seed always yields the same rows. */
export const DATASET_AS_OF = '2026-06-30';
/** Business Central's local currency (LCY) for the company; a blank currencyCode means this. */
export const LOCAL_CURRENCY = 'USD';
export const COMPANY_NAME = 'CRONUS USA, Inc.';

export interface GenerateOptions {
  seed: number;
  customers: number;
}

export interface GeneratedSummary {
  seed: number;
  customers: number;
  companyId: string;
  companyName: string;
  asOf: string;
  counts: { erp: Record<ErpTableName, number>; crm: Record<CrmTableName, number> };
}

type Row = Record<string, unknown>;

const AS_OF_MS = Date.parse(`${DATASET_AS_OF}T00:00:00Z`);
const DAY_MS = 86_400_000;

/** The day `offset` days from DATASET_AS_OF (negative = before). */
function day(offset: number): string {
  return new Date(AS_OF_MS + offset * DAY_MS).toISOString().slice(0, 10);
}
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}
function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}
const money = (amountInCents: number): number => amountInCents / 100;

/**
 * Where generated rows go: a database written here (`databaseTarget`), or a writer thread that
 * owns one (parallel.ts), so the rows of the two databases are bound into SQLite on other cores
 * while this thread goes on generating. Either way each database receives the same statements
 * in the same order, so the files are byte-identical.
 */
export interface RowTarget {
  exec(sql: string): void;
  table(def: TableDef): TableSink;
}

export interface TableSink {
  /** `shared` holds columns many rows repeat (the customer block), read when `row` lacks them. */
  insert(row: Row, shared?: Row): void;
  readonly count: number;
}

/** A row as the table's INSERT binds it: columns in model order, booleans 0/1, absent → null. */
export class RowEncoder {
  readonly columns: string[];
  private readonly isBoolean: boolean[];

  constructor(readonly def: TableDef) {
    this.columns = Object.keys(def.columns);
    this.isBoolean = this.columns.map((column) => def.columns[column] === 'boolean');
  }

  get insertSql(): string {
    return `INSERT INTO "${this.def.name}" (${this.columns.map((c) => `"${c}"`).join(', ')}) VALUES (${this.columns.map(() => '?').join(', ')})`;
  }

  encode(row: Row, shared: Row | undefined, values: unknown[]): unknown[] {
    const { columns, isBoolean } = this;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      const value = column in row || shared === undefined ? row[column] : shared[column];
      values[i] = value === undefined ? null : isBoolean[i] ? (value ? 1 : 0) : value;
    }
    return values;
  }
}

/** Inserts rows into one table with a single prepared statement; counts what it wrote. */
class TableWriter implements TableSink {
  private readonly statement: Statement;
  private readonly encoder: RowEncoder;
  private readonly values: unknown[];
  count = 0;

  constructor(db: Database, def: TableDef) {
    this.encoder = new RowEncoder(def);
    this.values = new Array(this.encoder.columns.length);
    this.statement = db.prepare(this.encoder.insertSql);
  }

  insert(row: Row, shared?: Row): void {
    this.statement.run(this.encoder.encode(row, shared, this.values));
    this.count++;
  }
}

/** Rows written straight into `db` on this thread. */
export function databaseTarget(db: Database): RowTarget {
  return { exec: (sql) => db.exec(sql), table: (def) => new TableWriter(db, def) };
}

function asTarget(db: Database | RowTarget): RowTarget {
  // A better-sqlite3 Database has a `table` method of its own (virtual tables): tell by `prepare`.
  return typeof (db as Partial<Database>).prepare === 'function'
    ? databaseTarget(db as Database)
    : (db as RowTarget);
}

function writers<T extends Record<string, TableDef>>(
  target: RowTarget,
  tables: T,
): { [K in keyof T]: TableSink } {
  const out = {} as { [K in keyof T]: TableSink };
  for (const key of Object.keys(tables) as (keyof T)[]) out[key] = target.table(tables[key]!);
  return out;
}

/** Separates model DDL into its CREATE TABLE and its CREATE INDEX statements. */
function splitDdl(sql: string): [string, string] {
  const statements = sql.split(';\n').map((statement) => statement.replace(/;$/, ''));
  const tables = statements.filter((statement) => statement.startsWith('CREATE TABLE'));
  const indexes = statements.filter((statement) => statement.startsWith('CREATE INDEX'));
  if (tables.length + indexes.length !== statements.length)
    throw new Error('unexpected statement in the model DDL');
  return [`${tables.join(';\n')};`, `${indexes.join(';\n')};`];
}

// ------------------------------------------------------------------ vocabulary

const NAME_STEMS = [
  'Adatum',
  'Alpine',
  'Fabrikam',
  'Contoso',
  'Northwind',
  'Tailspin',
  'Litware',
  'Proseware',
  'Wingtip',
  'Trey',
  'Coho',
  'Lucerne',
  'Fourth Coffee',
  'Blue Yonder',
  'Margie',
  'Humongous',
  'Woodgrove',
  'Relecloud',
  'Graphic Design',
  'Southridge',
  'Consolidated',
  'Wide World',
  'Datum',
  'School of Fine Art',
  'Lakeshore',
  'Riverside',
  'Summit',
  'Harbor',
  'Evergreen',
  'Granite',
  'Pioneer',
  'Cascade',
  'Redwood',
  'Silverline',
];
const PEOPLE_SURNAMES = [
  "O'Brien",
  'Søndergaard',
  'Müller',
  'García',
  'Nguyen',
  'Smith',
  'Johnson',
  'Kowalski',
  'Dubois',
  'Rossi',
  'Andersen',
  'Yamamoto',
  'Patel',
  'Brown',
  "D'Angelo",
  'Łukasiewicz',
  'Fernández',
  'Walker',
  'Okafor',
  'Berg',
  'Hughes',
  'Ivanova',
  'Moreau',
  'Clarke',
  'Novak',
  'Schäfer',
  'Murphy',
  'Chen',
];
const GIVEN_NAMES = [
  'Anna',
  'Ben',
  'Chloé',
  'David',
  'Eva',
  'Frank',
  'Greta',
  'Hiro',
  'Ines',
  'Jon',
  'Karin',
  'Luis',
  'Maja',
  'Nils',
  'Olga',
  'Pedro',
  'Qi',
  'Rosa',
  'Sam',
  'Tariq',
  'Ulla',
  'Vera',
  'Will',
  'Zoë',
];
const SUFFIXES: readonly (readonly [string, string])[] = [
  // [as the ERP writes it, as a CRM user may write it]
  ['Ltd', 'Limited'],
  ['Inc.', 'Incorporated'],
  ['GmbH', 'G.m.b.H.'],
  ['LLC', 'L.L.C.'],
  ['Corp.', 'Corporation'],
  ['& Co.', 'and Company'],
  ['A/S', 'AS'],
];
const CITIES: readonly (readonly [string, string, string, string])[] = [
  // city, state, country, postcode prefix
  ['Atlanta', 'GA', 'US', '303'],
  ['Chicago', 'IL', 'US', '606'],
  ['Seattle', 'WA', 'US', '981'],
  ['Miami', 'FL', 'US', '331'],
  ['Denver', 'CO', 'US', '802'],
  ['Boston', 'MA', 'US', '021'],
  ['London', '', 'GB', 'EC1'],
  ['Manchester', '', 'GB', 'M1 '],
  ['København', '', 'DK', '21'],
  ['München', 'BY', 'DE', '803'],
  ['Paris', '', 'FR', '750'],
  ['Toronto', 'ON', 'CA', 'M5V'],
];
const STREETS = [
  'Main Street',
  'Oak Avenue',
  'Harbour Road',
  'Elm Lane',
  'Industrial Park',
  'Market Square',
  'Bahnhofstraße',
  'Rue de la Paix',
  'Nørregade',
  "King's Road",
];
const FOREIGN_CURRENCIES: readonly (readonly [string, string])[] = [
  ['EUR', 'DE'],
  ['GBP', 'GB'],
  ['CAD', 'CA'],
];
const ITEM_NOUNS = [
  'Desk',
  'Chair',
  'Lamp',
  'Cabinet',
  'Monitor',
  'Printer',
  'Router',
  'Projector',
  'Table',
  'Shelf',
  'Scanner',
  'Drill',
  'Pump',
  'Valve',
  'Sensor',
  'Controller',
];
const ITEM_ADJECTIVES = [
  'Athens',
  'Paris',
  'London',
  'Berlin',
  'Rome',
  'Oslo',
  'Tokyo',
  'Madrid',
  'Vienna',
  'Lisbon',
  'Dublin',
  'Prague',
];
const SERVICES = [
  'Installation',
  'Maintenance Visit',
  'Training Day',
  'Consulting Hour',
  'Calibration',
  'Support Plan',
];
const INDUSTRIES = [
  'Manufacturing',
  'Retail',
  'Technology',
  'Healthcare',
  'Education',
  'Hospitality',
  'Construction',
  'Energy',
];
const CONTACT_ROLES = ['Sales', 'Support', 'Billing', 'Decision Maker'];
const TITLES = [
  'Purchasing Manager',
  'CFO',
  'Office Manager',
  'IT Director',
  'Operations Lead',
  'Accountant',
  'CEO',
];

interface Customer {
  index: number;
  id: string; // ERP GUID ('' when CRM-only)
  number: string;
  name: string;
  crmName: string;
  suffix: readonly [string, string];
  address: { line1: string; city: string; state: string; country: string; postalCode: string };
  crmAddress: { line1: string; postalCode: string };
  currencyCode: string; // '' = LCY
  currencyId: string | null;
  taxLiable: boolean;
  salesperson: Employee;
  phone: string;
  email: string;
  inErp: boolean;
  inCrm: boolean;
}
interface Employee {
  id: string;
  number: string;
  name: string;
  email: string;
  userId: string;
}
interface Item {
  id: string;
  number: string;
  name: string;
  type: 'Inventory' | 'Service' | 'Non-Inventory';
  unitPriceCents: number;
  blocked: boolean;
  serialized: boolean;
  productId: string;
}
interface LineSpec {
  item: Item;
  quantity: number;
  discountPercent: number;
}
interface Amounts {
  excl: number;
  tax: number;
  incl: number;
}

/**
 * Fills empty `erp` and `crm` databases (tables are created here) with one seeded data set.
 * The caller owns transactions; this writes row by row through prepared statements.
 */
export function generateDataset(
  erpDb: Database | RowTarget,
  crmDb: Database | RowTarget,
  options: GenerateOptions,
): GeneratedSummary {
  const erpTarget = asTarget(erpDb);
  const crmTarget = asTarget(crmDb);
  const { seed, customers: customerCount } = options;
  const random = new Random(seed);
  // Indexes are built after the rows are in: one sort per index instead of a b-tree update per row.
  const [erpTables, erpIndexes] = splitDdl(createTablesSql(ERP_TABLES));
  const [crmTables, crmIndexes] = splitDdl(createTablesSql(CRM_TABLES));
  erpTarget.exec(erpTables);
  crmTarget.exec(crmTables);
  const erp = writers(erpTarget, ERP_TABLES);
  const crm = writers(crmTarget, CRM_TABLES);
  const pod = `${random.pick(['5', '8', 'D', 'H'])}${random.pick(['g', 'n', 'J', '0'])}`;
  const sf = (prefix: string) => new SalesforceIds(random, prefix, pod);
  const ids = {
    user: sf('005'),
    account: sf('001'),
    contact: sf('003'),
    opportunity: sf('006'),
    quote: sf('0Q0'),
    quoteLine: sf('0QL'),
    product: sf('01t'),
    case: sf('500'),
    task: sf('00T'),
    event: sf('00U'),
    asset: sf('02i'),
    entitlement: sf('550'),
    campaign: sf('701'),
    campaignMember: sf('00v'),
  };

  const companyId = random.guid();
  const timestamp = (date: string): string =>
    `${date}T${String(random.int(7, 18)).padStart(2, '0')}:${String(random.int(0, 59)).padStart(2, '0')}:${String(random.int(0, 59)).padStart(2, '0')}.${String(random.int(0, 999)).padStart(3, '0')}Z`;
  const sfSystem = (createdDate: string, modifiedDate: string = createdDate): Row => {
    const created = timestamp(createdDate);
    const modified = modifiedDate === createdDate ? created : timestamp(modifiedDate);
    return { CreatedDate: created, LastModifiedDate: modified, SystemModstamp: modified, IsDeleted: false };
  };
  const phone = (): string =>
    `+1 ${random.int(200, 989)} ${random.int(200, 999)} ${String(random.int(0, 9999)).padStart(4, '0')}`;
  const currencyIds = new Map(FOREIGN_CURRENCIES.map(([code]) => [code, random.guid()]));
  const paymentTermsId = random.guid();
  const shipmentMethodId = random.guid();
  const paymentMethodId = random.guid();
  const taxAreaId = random.guid();
  const cashJournalId = random.guid();

  // ---------------------------------------------------------------- employees and users
  const employeeCount = Math.max(10, Math.ceil(customerCount / 25));
  const employees: Employee[] = [];
  for (let e = 0; e < employeeCount; e++) {
    const given = random.pick(GIVEN_NAMES);
    const surname = random.pick(PEOPLE_SURNAMES);
    const local = `${given}.${surname}`
      .normalize('NFD')
      .replace(/[^A-Za-z.]/g, '')
      .toLowerCase();
    const email = `${local}${e + 1}@cronus-demo.com`;
    const employee: Employee = {
      id: random.guid(),
      number: `E${String(e + 1).padStart(4, '0')}`,
      name: `${given} ${surname}`,
      email,
      userId: ids.user.next(),
    };
    employees.push(employee);
    const hired = day(-random.int(200, 4000));
    erp.employees.insert({
      id: employee.id,
      number: employee.number,
      displayName: employee.name,
      givenName: given,
      middleName: '',
      surname,
      jobTitle: random.pick(['Account Manager', 'Sales Representative', 'Key Account Manager']),
      addressLine1: `${random.int(1, 200)} ${random.pick(STREETS)}`,
      addressLine2: '',
      city: 'Atlanta',
      state: 'GA',
      country: 'US',
      postalCode: `303${random.int(10, 99)}`,
      phoneNumber: phone(),
      mobilePhone: phone(),
      email,
      personalEmail: `${local}@example.net`,
      employmentDate: hired,
      terminationDate: null,
      status: 'Active',
      birthDate: day(-random.int(8000, 22000)),
      statisticsGroupCode: '',
      lastModifiedDateTime: timestamp(day(-random.int(0, 200))),
    });
    crm.User.insert({
      Id: employee.userId,
      Username: `${email}.crm`,
      FirstName: given,
      LastName: surname,
      Name: employee.name,
      Email: email,
      Title: 'Sales',
      Department: 'Sales',
      IsActive: true,
      ...sfSystem(hired, day(-random.int(0, 100))),
    });
  }

  // ---------------------------------------------------------------- items and products
  const itemCount = Math.min(5000, Math.max(60, Math.ceil(customerCount / 2)));
  const items: Item[] = [];
  for (let n = 0; n < itemCount; n++) {
    const type = random.weighted<Item['type']>([
      ['Inventory', 70],
      ['Service', 15],
      ['Non-Inventory', 15],
    ]);
    const name =
      type === 'Service'
        ? `${random.pick(SERVICES)} ${n + 1}`
        : `${random.pick(ITEM_ADJECTIVES)} ${random.pick(ITEM_NOUNS)} ${random.pick(['', 'Pro ', 'XL ', 'Mini '])}${n + 1}`.replace(
            '  ',
            ' ',
          );
    const item: Item = {
      id: random.guid(),
      number: String(1000 + n * 10),
      name,
      type,
      unitPriceCents: type === 'Service' ? random.int(50, 400) * 100 : random.int(500, 250_000),
      blocked: random.chance(0.05),
      serialized: type === 'Inventory' && random.chance(0.25),
      productId: ids.product.next(),
    };
    items.push(item);
    const inventory = type === 'Inventory' ? (random.chance(0.12) ? 0 : random.int(1, 500)) : 0;
    erp.items.insert({
      id: item.id,
      number: item.number,
      displayName: name,
      displayName2: '',
      type,
      itemCategoryId: null,
      itemCategoryCode: item.serialized ? 'MACHINE' : type === 'Service' ? 'SERVICE' : 'MISC',
      blocked: item.blocked,
      gtin: type === 'Inventory' ? String(4_000_000_000_000 + random.int(0, 999_999_999)) : '',
      inventory,
      unitPrice: money(item.unitPriceCents),
      priceIncludesTax: false,
      unitCost: money(Math.round(item.unitPriceCents * (0.4 + random.float() * 0.3))),
      taxGroupId: null,
      taxGroupCode: type === 'Service' ? 'LABOR' : 'TAXABLE',
      baseUnitOfMeasureId: null,
      baseUnitOfMeasureCode: type === 'Service' ? 'HOUR' : 'PCS',
      generalProductPostingGroupCode: type === 'Service' ? 'SERVICES' : 'RETAIL',
      inventoryPostingGroupCode: type === 'Inventory' ? 'RESALE' : '',
      lastModifiedDateTime: timestamp(day(-random.int(0, 700))),
    });
    crm.Product2.insert({
      Id: item.productId,
      Name: name,
      ProductCode: item.number,
      ERP_Item_Id__c: item.id,
      Family: type === 'Service' ? 'Services' : item.serialized ? 'Machines' : 'Goods',
      Description: name,
      IsActive: !item.blocked,
      ...sfSystem(day(-random.int(300, 900)), day(-random.int(0, 300))),
    });
  }
  // Assemblies: some inventory items are built from other plain inventory items.
  const components = items.filter((i) => i.type === 'Inventory' && !i.serialized);
  for (const parent of items) {
    if (parent.type !== 'Inventory' || !parent.serialized || !random.chance(0.4) || components.length < 4)
      continue;
    const used = new Set<string>();
    const count = random.int(2, 4);
    for (let c = 0; c < count; c++) {
      const component = random.pick(components);
      if (used.has(component.id)) continue;
      used.add(component.id);
      erp.bomComponents.insert({
        id: random.guid(),
        parentItemId: parent.id,
        parentItemNumber: parent.number,
        lineNumber: used.size * 10000,
        type: 'Item',
        componentItemId: component.id,
        componentItemNumber: component.number,
        description: component.name,
        quantityPer: random.int(1, 4),
        unitOfMeasureCode: 'PCS',
      });
    }
  }
  const sellable = items.filter((i) => !i.blocked);
  const sellableUnserialized = sellable.filter((i) => !i.serialized);

  // ---------------------------------------------------------------- campaigns
  const campaigns: string[] = [];
  const campaignCount = Math.max(3, Math.ceil(customerCount / 50));
  for (let c = 0; c < campaignCount; c++) {
    const id = ids.campaign.next();
    campaigns.push(id);
    const start = -random.int(10, 600);
    const budget = random.int(10, 500) * 100;
    crm.Campaign.insert({
      Id: id,
      Name: `${random.pick(['Spring', 'Summer', 'Autumn', 'Winter'])} ${random.pick(['Webinar', 'Trade Show', 'Mailing', 'Promo'])} ${c + 1}`,
      Type: random.pick(['Webinar', 'Trade Show', 'Email', 'Direct Mail']),
      Status: start + 60 < 0 ? 'Completed' : 'In Progress',
      StartDate: day(start),
      EndDate: day(start + 60),
      BudgetedCost: budget,
      ActualCost: Math.round(budget * (0.5 + random.float() * 0.7)),
      ExpectedRevenue: budget * random.int(3, 10),
      IsActive: start + 60 >= 0,
      OwnerId: random.pick(employees).userId,
      ...sfSystem(day(start - 20)),
    });
  }

  // ---------------------------------------------------------------- documents
  const counters = {
    order: 0,
    invoice: 0,
    shipment: 0,
    quote: 0,
    sfQuote: 0,
    payment: 0,
    case: 0,
    warranty: 0,
    serial: 0,
    paymentLine: 0,
  };
  const nextNumber = (kind: keyof typeof counters, prefix: string, width = 6): string =>
    `${prefix}${String(++counters[kind]).padStart(width, '0')}`;

  function lineAmounts(spec: LineSpec, taxPercent: number): { discount: number; amounts: Amounts } {
    const gross = spec.item.unitPriceCents * spec.quantity;
    const discount = Math.round((gross * spec.discountPercent) / 100);
    const excl = gross - discount;
    const tax = Math.round((excl * taxPercent) / 100);
    return { discount, amounts: { excl, tax, incl: excl + tax } };
  }

  function pickLines(forSerialized = true): LineSpec[] {
    const count = random.int(1, 5);
    const lines: LineSpec[] = [];
    const pool = forSerialized ? sellable : sellableUnserialized;
    for (let l = 0; l < count; l++) {
      const item = random.pick(pool);
      lines.push({
        item,
        quantity: item.serialized ? random.int(1, 3) : random.int(1, 20),
        discountPercent: random.weighted([
          [0, 70],
          [5, 15],
          [10, 10],
          [15, 5],
        ]),
      });
    }
    return lines;
  }

  const parties = new WeakMap<Customer, Row>();
  /** The customer block every sales document repeats; built once per customer. */
  function documentParty(customer: Customer): Row {
    const cached = parties.get(customer);
    if (cached !== undefined) return cached;
    const a = customer.address;
    const party: Row = {
      customerId: customer.id,
      customerNumber: customer.number,
      customerName: customer.name,
      billToName: customer.name,
      billToCustomerId: customer.id,
      billToCustomerNumber: customer.number,
      shipToName: customer.name,
      shipToContact: '',
      currencyCode: customer.currencyCode,
      salesperson: customer.salesperson.number,
      phoneNumber: customer.phone,
      email: customer.email,
    };
    for (const prefix of ['sellTo', 'billTo', 'shipTo']) {
      party[`${prefix}AddressLine1`] = a.line1;
      party[`${prefix}AddressLine2`] = '';
      party[`${prefix}City`] = a.city;
      party[`${prefix}Country`] = a.country;
      party[`${prefix}State`] = a.state;
      party[`${prefix}PostCode`] = a.postalCode;
    }
    parties.set(customer, party);
    return party;
  }

  function writeLines(
    writer: TableSink,
    documentId: string,
    specs: readonly LineSpec[],
    taxPercent: number,
    extra: (spec: LineSpec) => Row = () => ({}),
  ): Amounts {
    const total: Amounts = { excl: 0, tax: 0, incl: 0 };
    specs.forEach((spec, index) => {
      const { discount, amounts } = lineAmounts(spec, taxPercent);
      total.excl += amounts.excl;
      total.tax += amounts.tax;
      total.incl += amounts.incl;
      writer.insert({
        id: random.guid(),
        documentId,
        sequence: (index + 1) * 10000,
        itemId: spec.item.id,
        accountId: null,
        lineType: 'Item',
        lineObjectNumber: spec.item.number,
        description: spec.item.name,
        unitOfMeasureCode: spec.item.type === 'Service' ? 'HOUR' : 'PCS',
        quantity: spec.quantity,
        unitPrice: money(spec.item.unitPriceCents),
        discountAmount: money(discount),
        discountPercent: spec.discountPercent,
        taxCode: taxPercent > 0 ? 'TAXABLE' : 'NONTAXABLE',
        taxPercent,
        amountExcludingTax: money(amounts.excl),
        totalTaxAmount: money(amounts.tax),
        amountIncludingTax: money(amounts.incl),
        netAmount: money(amounts.excl),
        netTaxAmount: money(amounts.tax),
        netAmountIncludingTax: money(amounts.incl),
        ...extra(spec),
      });
    });
    return total;
  }

  const totals = (amounts: Amounts): Row => ({
    discountAmount: 0,
    totalAmountExcludingTax: money(amounts.excl),
    totalTaxAmount: money(amounts.tax),
    totalAmountIncludingTax: money(amounts.incl),
  });

  interface Receivable {
    dueDate: string;
    remaining: number; // cents
    excl: number;
  }
  interface ShippedSerial {
    serial: string;
    item: Item;
    shipmentNumber: string;
    date: string;
  }

  /** An ERP sales order, and for shipped ones its shipment and posted invoice. */
  function writeOrder(
    customer: Customer,
    specs: readonly LineSpec[],
    externalDocumentNumber: string,
    orderDate: string,
    state: 'Draft' | 'Open' | 'Released' | 'Invoiced',
    receivables: Receivable[],
    serials: ShippedSerial[],
  ): { id: string; number: string } {
    const taxPercent = customer.taxLiable ? 8 : 0;
    const id = random.guid();
    const number = nextNumber('order', 'SO', 6);
    const invoiced = state === 'Invoiced';
    const shipDate = addDays(orderDate, random.int(1, 10));
    const amounts = writeLines(erp.salesOrderLines, id, specs, taxPercent, (spec) => ({
      shipmentDate: shipDate,
      shippedQuantity: invoiced ? spec.quantity : 0,
      invoicedQuantity: invoiced ? spec.quantity : 0,
    }));
    const party = documentParty(customer);
    erp.salesOrders.insert(
      {
        id,
        number,
        externalDocumentNumber,
        orderDate,
        postingDate: orderDate,
        currencyId: customer.currencyId,
        pricesIncludeTax: false,
        paymentTermsId,
        shipmentMethodId,
        partialShipping: true,
        requestedDeliveryDate: addDays(orderDate, 14),
        discountAppliedBeforeTax: true,
        ...totals(amounts),
        fullyShipped: invoiced,
        status: state === 'Invoiced' ? 'Released' : state,
        lastModifiedDateTime: timestamp(invoiced ? shipDate : orderDate),
      },
      party,
    );
    if (!invoiced) return { id, number };

    const shipmentId = random.guid();
    const shipmentNumber = nextNumber('shipment', 'SSH', 6);
    erp.salesShipments.insert(
      {
        id: shipmentId,
        number: shipmentNumber,
        externalDocumentNumber,
        documentDate: shipDate,
        postingDate: shipDate,
        shipmentDate: shipDate,
        orderNumber: number,
        paymentTermsCode: '30 DAYS',
        shipmentMethodCode: 'EXW',
        lastModifiedDateTime: timestamp(shipDate),
      },
      party,
    );
    specs.forEach((spec, index) => {
      erp.salesShipmentLines.insert({
        id: random.guid(),
        documentId: shipmentId,
        documentNo: shipmentNumber,
        sequence: (index + 1) * 10000,
        lineType: 'Item',
        lineObjectNumber: spec.item.number,
        description: spec.item.name,
        unitOfMeasureCode: spec.item.type === 'Service' ? 'HOUR' : 'PCS',
        unitPrice: money(spec.item.unitPriceCents),
        quantity: spec.quantity,
        discountPercent: spec.discountPercent,
        taxPercent,
        shipmentDate: shipDate,
      });
      if (spec.item.serialized) {
        for (let q = 0; q < spec.quantity; q++) {
          serials.push({
            serial: nextNumber('serial', `SN${spec.item.number}-`, 7),
            item: spec.item,
            shipmentNumber,
            date: shipDate,
          });
        }
      }
    });
    writeInvoice(customer, specs, externalDocumentNumber, shipDate, { id, number }, receivables);
    return { id, number };
  }

  function writeInvoice(
    customer: Customer,
    specs: readonly LineSpec[],
    externalDocumentNumber: string,
    invoiceDate: string,
    order: { id: string; number: string } | null,
    receivables: Receivable[],
  ): void {
    const taxPercent = customer.taxLiable ? 8 : 0;
    const id = random.guid();
    const number = nextNumber('invoice', 'PSI', 6);
    const amounts = writeLines(erp.salesInvoiceLines, id, specs, taxPercent, () => ({
      shipmentDate: invoiceDate,
    }));
    const dueDate = addDays(invoiceDate, 30);
    const overdueDays = daysBetween(dueDate, DATASET_AS_OF);
    // Older invoices are mostly settled; recent ones mostly open.
    const settlement =
      overdueDays > 45
        ? random.weighted<'paid' | 'partly' | 'open'>([
            ['paid', 80],
            ['partly', 8],
            ['open', 12],
          ])
        : overdueDays > 0
          ? random.weighted<'paid' | 'partly' | 'open'>([
              ['paid', 45],
              ['partly', 20],
              ['open', 35],
            ])
          : random.weighted<'paid' | 'partly' | 'open'>([
              ['paid', 20],
              ['partly', 15],
              ['open', 65],
            ]);
    const paid =
      settlement === 'paid'
        ? amounts.incl
        : settlement === 'partly'
          ? Math.round(amounts.incl * (0.2 + random.float() * 0.6))
          : 0;
    const remaining = amounts.incl - paid;
    erp.salesInvoices.insert(
      {
        id,
        number,
        externalDocumentNumber,
        invoiceDate,
        postingDate: invoiceDate,
        dueDate,
        customerPurchaseOrderReference: externalDocumentNumber,
        currencyId: customer.currencyId,
        orderId: order?.id ?? null,
        orderNumber: order?.number ?? '',
        paymentTermsId,
        shipmentMethodId,
        pricesIncludeTax: false,
        discountAppliedBeforeTax: true,
        ...totals(amounts),
        remainingAmount: money(remaining),
        status: remaining === 0 ? 'Paid' : 'Open',
        lastModifiedDateTime: timestamp(invoiceDate),
      },
      documentParty(customer),
    );
    receivables.push({ dueDate, remaining, excl: amounts.excl });
    if (paid === 0) return;
    // A partial settlement arrives in one or two payments; a full one in one.
    const parts =
      settlement === 'partly' && random.chance(0.4)
        ? [Math.floor(paid / 2), paid - Math.floor(paid / 2)]
        : [paid];
    for (const part of parts) {
      const postingDate = addDays(
        invoiceDate,
        random.int(5, Math.max(5, Math.min(60, daysBetween(invoiceDate, DATASET_AS_OF)))),
      );
      const lineNumber = ++counters.paymentLine * 10000;
      erp.customerPayments.insert({
        id: random.guid(),
        journalId: cashJournalId,
        journalDisplayName: 'CASHRCPT',
        lineNumber,
        customerId: customer.id,
        customerNumber: customer.number,
        contactId: '',
        postingDate: postingDate > DATASET_AS_OF ? DATASET_AS_OF : postingDate,
        documentNumber: nextNumber('payment', 'PMT', 7),
        externalDocumentNumber: '',
        amount: money(part),
        appliesToInvoiceId: id,
        appliesToInvoiceNumber: number,
        description: `Payment ${number}`,
        comment: '',
        lastModifiedDateTime: timestamp(postingDate > DATASET_AS_OF ? DATASET_AS_OF : postingDate),
      });
    }
  }

  function writeErpQuote(customer: Customer): void {
    const taxPercent = customer.taxLiable ? 8 : 0;
    const id = random.guid();
    const documentDate = day(-random.int(1, 300));
    const status = random.weighted([
      ['Draft', 30],
      ['Sent', 35],
      ['Accepted', 20],
      ['Expired', 15],
    ]);
    const amounts = writeLines(erp.salesQuoteLines, id, pickLines(), taxPercent);
    erp.salesQuotes.insert(
      {
        id,
        number: nextNumber('quote', 'SQ', 6),
        externalDocumentNumber: '',
        documentDate,
        postingDate: documentDate,
        dueDate: addDays(documentDate, 30),
        currencyId: customer.currencyId,
        paymentTermsId,
        shipmentMethodId,
        ...totals(amounts),
        status,
        sentDate: status === 'Draft' ? null : timestamp(addDays(documentDate, 1)),
        validUntilDate: addDays(documentDate, 30),
        acceptedDate: status === 'Accepted' ? addDays(documentDate, random.int(2, 20)) : null,
        lastModifiedDateTime: timestamp(documentDate),
      },
      documentParty(customer),
    );
  }

  // ---------------------------------------------------------------- customers
  const guaranteedSearchNames = ['100% Organic Foods', 'Data_Works', 'Cut_Price 50% Outlet'];
  for (let index = 0; index < customerCount; index++) {
    const roll = random.float();
    const inErp = roll < 0.9;
    const inCrm = roll < 0.8 || roll >= 0.9;
    const [city, state, country, postPrefix] = random.pick(CITIES);
    const suffix = random.pick(SUFFIXES);
    const stem =
      index < guaranteedSearchNames.length
        ? guaranteedSearchNames[index]!
        : random.chance(0.15)
          ? `${random.pick(PEOPLE_SURNAMES)} & ${random.pick(['Søn', 'Sons', 'Partners', 'Daughters'])}`
          : `${random.pick(NAME_STEMS)} ${random.pick(['Trading', 'Supplies', 'Industries', 'Systems', 'Foods', 'Logistics', 'Outfitters'])}`;
    const name = `${stem} ${suffix[0]}`;
    const foreign = random.chance(0.15) ? random.pick(FOREIGN_CURRENCIES) : null;
    const address = {
      line1: `${random.int(1, 999)} ${random.pick(STREETS)}`,
      city,
      state,
      country: foreign ? foreign[1] : country,
      postalCode: `${postPrefix}${random.int(10, 99)}`,
    };
    const nameDisagrees = inErp && inCrm && random.chance(0.1);
    const addressDisagrees = inErp && inCrm && random.chance(0.1);
    const domain = `${
      stem
        .normalize('NFD')
        .replace(/[^A-Za-z0-9]/g, '')
        .toLowerCase() || 'customer'
    }${index + 1}.example.com`;
    const customer: Customer = {
      index,
      id: inErp ? random.guid() : '',
      number: inErp ? `C${String((index + 1) * 10).padStart(5, '0')}` : '',
      name,
      crmName: nameDisagrees ? `${stem} ${suffix[1]}` : name,
      suffix,
      address,
      crmAddress: addressDisagrees
        ? random.chance(0.5)
          ? { line1: `${random.int(1, 999)} ${random.pick(STREETS)}`, postalCode: address.postalCode }
          : { line1: address.line1, postalCode: `${postPrefix}${random.int(10, 99)}` }
        : { line1: address.line1, postalCode: address.postalCode },
      currencyCode: foreign ? foreign[0] : '',
      currencyId: foreign ? currencyIds.get(foreign[0])! : null,
      taxLiable: !foreign && random.chance(0.8),
      salesperson: random.pick(employees),
      phone: phone(),
      email: `info@${domain}`,
      inErp,
      inCrm,
    };
    const receivables: Receivable[] = [];
    const serials: ShippedSerial[] = [];

    // CRM side first: accepted quotes become ERP orders below.
    let accountId: string | null = null;
    const contactIds: string[] = [];
    if (inCrm) {
      accountId = ids.account.next();
      const created = day(-random.int(30, 1500));
      const crmCurrency = customer.currencyCode || LOCAL_CURRENCY;
      const account: Row = {
        Id: accountId,
        Name: customer.crmName,
        AccountNumber: customer.number || null,
        ERP_Customer_Id__c: inErp ? customer.id : null,
        Type: inErp
          ? random.weighted([
              ['Customer - Direct', 80],
              ['Customer - Channel', 15],
              ['Partner', 5],
            ])
          : 'Prospect',
        Industry: random.pick(INDUSTRIES),
        BillingStreet: customer.crmAddress.line1,
        BillingCity: city,
        BillingState: state,
        BillingPostalCode: customer.crmAddress.postalCode,
        BillingCountry: address.country,
        ShippingStreet: address.line1,
        ShippingCity: city,
        ShippingState: state,
        ShippingPostalCode: address.postalCode,
        ShippingCountry: address.country,
        Phone: customer.phone,
        Website: `https://www.${domain}`,
        AnnualRevenue: random.int(1, 500) * 100_000,
        NumberOfEmployees: random.int(3, 5000),
        CurrencyIsoCode: crmCurrency,
        OwnerId: customer.salesperson.userId,
        ...sfSystem(created, day(-random.int(0, 29))),
      };
      crm.Account.insert(account);
      // Duplicates: someone created the same customer twice, both linked to one ERP customer.
      if (inErp && random.chance(0.02)) {
        crm.Account.insert({
          ...account,
          Id: ids.account.next(),
          Name: customer.crmName.toUpperCase(),
          ...sfSystem(day(-random.int(0, 29))),
        });
      }

      const contactCount = random.int(1, 5);
      for (let c = 0; c < contactCount; c++) {
        const given = random.pick(GIVEN_NAMES);
        const surname = random.pick(PEOPLE_SURNAMES);
        const contactId = ids.contact.next();
        contactIds.push(contactId);
        crm.Contact.insert({
          Id: contactId,
          AccountId: accountId,
          FirstName: given,
          LastName: surname,
          Name: `${given} ${surname}`,
          Salutation: random.pick(['Mr.', 'Ms.', 'Dr.', '']),
          Title: random.pick(TITLES),
          Email:
            `${given}.${surname}`
              .normalize('NFD')
              .replace(/[^A-Za-z.]/g, '')
              .toLowerCase() + `@${domain}`,
          Phone: phone(),
          MobilePhone: random.chance(0.5) ? phone() : null,
          MailingStreet: address.line1,
          MailingCity: city,
          MailingState: state,
          MailingPostalCode: address.postalCode,
          MailingCountry: address.country,
          Contact_Role__c: c === 0 ? 'Decision Maker' : random.pick(CONTACT_ROLES),
          OwnerId: customer.salesperson.userId,
          ...sfSystem(created),
        });
        if (random.chance(0.2)) {
          crm.CampaignMember.insert({
            Id: ids.campaignMember.next(),
            CampaignId: random.pick(campaigns),
            ContactId: contactId,
            Status: random.pick(['Sent', 'Responded']),
            HasResponded: random.chance(0.4),
            ...sfSystem(day(-random.int(0, 400))),
          });
        }
      }

      const opportunityCount = random.int(0, 4);
      for (let o = 0; o < opportunityCount; o++) {
        const stage = random.weighted([
          ['Prospecting', 15],
          ['Qualification', 15],
          ['Proposal/Price Quote', 15],
          ['Negotiation/Review', 10],
          ['Closed Won', inErp ? 30 : 0],
          ['Closed Lost', 15],
        ]);
        const closed = stage.startsWith('Closed');
        const closeDate = closed ? day(-random.int(5, 500)) : day(random.int(5, 120));
        const opportunityId = ids.opportunity.next();
        const withQuote =
          stage === 'Closed Won' || stage === 'Proposal/Price Quote' || stage === 'Negotiation/Review';
        const specs = withQuote ? pickLines(stage === 'Closed Won') : [];
        const quoteAmounts = specs.map((s) => lineAmounts(s, customer.taxLiable ? 8 : 0));
        const subtotal = specs.reduce((sum, s) => sum + s.item.unitPriceCents * s.quantity, 0);
        const net = quoteAmounts.reduce((sum, a) => sum + a.amounts.excl, 0);
        const tax = quoteAmounts.reduce((sum, a) => sum + a.amounts.tax, 0);
        crm.Opportunity.insert({
          Id: opportunityId,
          AccountId: accountId,
          Name: `${customer.crmName} - ${random.pick(['Office refit', 'Annual order', 'Expansion', 'Replacement', 'Service deal'])}`,
          StageName: stage,
          Amount: withQuote ? money(net) : random.int(5, 500) * 100,
          CurrencyIsoCode: crmCurrency,
          Probability: {
            Prospecting: 10,
            Qualification: 20,
            'Proposal/Price Quote': 60,
            'Negotiation/Review': 80,
            'Closed Won': 100,
            'Closed Lost': 0,
          }[stage],
          CloseDate: closeDate,
          IsClosed: closed,
          IsWon: stage === 'Closed Won',
          LeadSource: random.pick(['Web', 'Phone Inquiry', 'Partner Referral', 'Trade Show']),
          CampaignId: random.chance(0.3) ? random.pick(campaigns) : null,
          OwnerId: customer.salesperson.userId,
          ...sfSystem(addDays(closeDate, -random.int(20, 90))),
        });
        if (!withQuote) continue;
        const quoteId = ids.quote.next();
        const quoteNumber = String(++counters.sfQuote).padStart(8, '0');
        const quoteDate = addDays(closeDate, -random.int(3, 15));
        const converted = stage === 'Closed Won' && random.chance(0.7);
        const status = stage === 'Closed Won' ? 'Accepted' : random.pick(['Approved', 'Presented']);
        let erpOrder: { id: string; number: string } | null = null;
        if (converted) {
          // The order is written now so its number can go on the quote.
          const orderDate = closeDate > DATASET_AS_OF ? DATASET_AS_OF : addDays(closeDate, 1);
          const age = daysBetween(orderDate, DATASET_AS_OF);
          const state = age > 20 ? 'Invoiced' : random.pick(['Open', 'Released'] as const);
          erpOrder = writeOrder(customer, specs, quoteNumber, orderDate, state, receivables, serials);
        }
        crm.Quote.insert({
          Id: quoteId,
          Name: `Q-${quoteNumber} ${customer.crmName}`,
          QuoteNumber: quoteNumber,
          OpportunityId: opportunityId,
          AccountId: accountId,
          ContactId: contactIds[0],
          Status: status,
          ExpirationDate: addDays(quoteDate, 30),
          CurrencyIsoCode: crmCurrency,
          Subtotal: money(subtotal),
          Discount: subtotal === 0 ? 0 : Math.round(((subtotal - net) / subtotal) * 10000) / 100,
          TotalPrice: money(net),
          Tax: money(tax),
          GrandTotal: money(net + tax),
          ERP_Order_Number__c: erpOrder?.number ?? null,
          ERP_Order_Id__c: erpOrder?.id ?? null,
          OwnerId: customer.salesperson.userId,
          ...sfSystem(quoteDate),
        });
        specs.forEach((spec, line) => {
          const { amounts } = quoteAmounts[line]!;
          crm.QuoteLineItem.insert({
            Id: ids.quoteLine.next(),
            QuoteId: quoteId,
            Product2Id: spec.item.productId,
            LineNumber: String(line + 1).padStart(5, '0'),
            Description: spec.item.name,
            Quantity: spec.quantity,
            UnitPrice: money(spec.item.unitPriceCents),
            Discount: spec.discountPercent,
            Subtotal: money(spec.item.unitPriceCents * spec.quantity),
            TotalPrice: money(amounts.excl),
            ...sfSystem(quoteDate),
          });
        });
      }
    }

    if (inErp) {
      const orderCount = random.int(0, 8);
      for (let o = 0; o < orderCount; o++) {
        const orderDate = day(-random.int(0, 400));
        const age = daysBetween(orderDate, DATASET_AS_OF);
        const state =
          age > 20
            ? random.weighted<'Draft' | 'Open' | 'Released' | 'Invoiced'>([
                ['Invoiced', 85],
                ['Released', 7],
                ['Open', 5],
                ['Draft', 3],
              ])
            : random.pick(['Draft', 'Open', 'Released'] as const);
        writeOrder(
          customer,
          pickLines(),
          `PO-${random.int(10000, 99999)}`,
          orderDate,
          state,
          receivables,
          serials,
        );
      }
      const directInvoices = random.int(0, 2);
      for (let v = 0; v < directInvoices; v++) {
        writeInvoice(customer, pickLines(false), '', day(-random.int(0, 300)), null, receivables);
      }
      if (random.chance(0.5)) writeErpQuote(customer);

      // Financial position, all from the invoices just written.
      let balance = 0;
      let overdue = 0;
      let sales = 0;
      const buckets = [0, 0, 0, 0];
      for (const r of receivables) {
        balance += r.remaining;
        sales += r.excl;
        const daysOverdue = daysBetween(r.dueDate, DATASET_AS_OF);
        if (daysOverdue > 0) overdue += r.remaining;
        const bucket = daysOverdue <= 0 ? 0 : daysOverdue <= 30 ? 1 : daysOverdue <= 60 ? 2 : 3;
        buckets[bucket]! += r.remaining;
      }
      const blocked = random.weighted([
        [' ', 97],
        ['Ship', 1],
        ['Invoice', 1],
        ['All', 1],
      ]);
      erp.customers.insert({
        id: customer.id,
        number: customer.number,
        displayName: name,
        type: 'Company',
        addressLine1: address.line1,
        addressLine2: '',
        city,
        state,
        country: address.country,
        postalCode: address.postalCode,
        phoneNumber: customer.phone,
        email: customer.email,
        website: `www.${domain}`,
        salespersonCode: customer.salesperson.number,
        balanceDue: money(balance),
        creditLimit: random.chance(0.2) ? 0 : random.int(1, 50) * 5000,
        taxLiable: customer.taxLiable,
        taxAreaId: customer.taxLiable ? taxAreaId : null,
        taxAreaDisplayName: customer.taxLiable ? 'ATLANTA, GA' : '',
        taxRegistrationNumber: foreign ? `${foreign[1]}${random.int(100_000_000, 999_999_999)}` : '',
        currencyId: customer.currencyId,
        currencyCode: customer.currencyCode,
        paymentTermsId,
        shipmentMethodId,
        paymentMethodId,
        blocked,
        lastModifiedDateTime: timestamp(day(-random.int(0, 200))),
      });
      erp.customerFinancialDetails.insert({
        id: customer.id,
        number: customer.number,
        balance: money(balance),
        totalSalesExcludingTax: money(sales),
        overdueAmount: money(overdue),
      });
      erp.agedAccountsReceivables.insert({
        customerId: customer.id,
        customerNumber: customer.number,
        name,
        currencyCode: customer.currencyCode,
        balanceDue: money(balance),
        currentAmount: money(buckets[0]!),
        period1Amount: money(buckets[1]!),
        period2Amount: money(buckets[2]!),
        period3Amount: money(buckets[3]!),
        agedAsOfDate: DATASET_AS_OF,
        periodLengthFilter: '30D',
      });
    }

    // Serial numbers shipped to this customer: CRM assets (when the account exists) and
    // warranty work in the ERP ledger.
    const assetIds: string[] = [];
    for (const shipped of serials) {
      if (accountId !== null) {
        const assetId = ids.asset.next();
        assetIds.push(assetId);
        crm.Asset.insert({
          Id: assetId,
          AccountId: accountId,
          ContactId: contactIds.length > 0 && random.chance(0.5) ? random.pick(contactIds) : null,
          Product2Id: shipped.item.productId,
          Name: shipped.item.name,
          SerialNumber: shipped.serial,
          InstallDate: addDays(shipped.date, random.int(1, 14)),
          PurchaseDate: shipped.date,
          UsageEndDate: addDays(shipped.date, 730),
          Status: random.weighted([
            ['Installed', 70],
            ['Shipped', 15],
            ['Registered', 10],
            ['Obsolete', 5],
          ]),
          ERP_Shipment_Number__c: shipped.shipmentNumber,
          ...sfSystem(shipped.date),
        });
        if (random.chance(0.7)) {
          const end = addDays(shipped.date, 730);
          crm.Entitlement.insert({
            Id: ids.entitlement.next(),
            AccountId: accountId,
            AssetId: assetId,
            Name: `Warranty ${shipped.serial}`,
            Type: 'Warranty',
            StartDate: shipped.date,
            EndDate: end,
            Status: end < DATASET_AS_OF ? 'Expired' : 'Active',
            ...sfSystem(shipped.date),
          });
        }
      }
      if (random.chance(0.3)) {
        const entries = random.int(1, 2);
        for (let w = 0; w < entries; w++) {
          const postingDate = addDays(
            shipped.date,
            random.int(1, Math.max(1, daysBetween(shipped.date, DATASET_AS_OF))),
          );
          erp.warrantyLedgerEntries.insert({
            id: random.guid(),
            entryNumber: ++counters.warranty,
            customerId: customer.id,
            customerNumber: customer.number,
            itemId: shipped.item.id,
            itemNumber: shipped.item.number,
            serialNumber: shipped.serial,
            postingDate,
            description: random.pick([
              'Replaced motor',
              'Firmware update',
              'Calibration under warranty',
              'Replaced display',
              'Repaired housing',
            ]),
            amount: money(random.int(2_000, 80_000)),
            currencyCode: '',
            lastModifiedDateTime: timestamp(postingDate),
          });
        }
      }
    }

    if (accountId !== null) {
      if (random.chance(0.3)) {
        crm.Entitlement.insert({
          Id: ids.entitlement.next(),
          AccountId: accountId,
          AssetId: null,
          Name: `Phone support ${customer.crmName}`,
          Type: random.pick(['Phone Support', 'Web Support']),
          StartDate: day(-random.int(30, 700)),
          EndDate: day(random.int(-60, 365)),
          Status: 'Active',
          ...sfSystem(day(-random.int(30, 700))),
        });
      }
      const activities = random.int(0, 12);
      for (let a = 0; a < activities; a++) {
        const when = random.int(-365, 30);
        const who = contactIds.length > 0 && random.chance(0.6) ? random.pick(contactIds) : null;
        if (random.chance(0.6)) {
          const done = when < 0 && random.chance(0.85);
          crm.Task.insert({
            Id: ids.task.next(),
            WhatId: accountId,
            WhoId: who,
            AccountId: accountId,
            Subject: random.pick([
              'Call back',
              'Send price list',
              'Follow up on quote',
              'Email: delivery date',
              'Check invoice question',
            ]),
            Description: '',
            Status: done ? 'Completed' : random.pick(['Not Started', 'In Progress']),
            Priority: random.pick(['High', 'Normal', 'Low']),
            ActivityDate: day(when),
            TaskSubtype: random.pick(['Task', 'Email', 'Call']),
            Type: random.pick(['Call', 'Email', 'Other']),
            IsClosed: done,
            OwnerId: customer.salesperson.userId,
            ...sfSystem(day(Math.min(when, 0) - random.int(0, 10))),
          });
        } else {
          const start = timestamp(day(when));
          const minutes = random.pick([30, 60, 90, 120]);
          crm.Event.insert({
            Id: ids.event.next(),
            WhatId: accountId,
            WhoId: who,
            AccountId: accountId,
            Subject: random.pick(['Site visit', 'Quarterly review', 'Demo', 'Lunch meeting']),
            Description: '',
            Location: random.chance(0.5) ? city : 'Online',
            StartDateTime: start,
            EndDateTime: new Date(Date.parse(start) + minutes * 60_000).toISOString(),
            ActivityDateTime: start,
            DurationInMinutes: minutes,
            Type: random.pick(['Meeting', 'Call', 'Other']),
            OwnerId: customer.salesperson.userId,
            ...sfSystem(day(Math.min(when, 0) - random.int(0, 10))),
          });
        }
      }
      const caseCount = random.weighted([
        [0, 50],
        [1, 30],
        [2, 15],
        [3, 5],
      ]);
      for (let c = 0; c < caseCount; c++) {
        const assetId = assetIds.length > 0 && random.chance(0.6) ? random.pick(assetIds) : null;
        const opened = day(-random.int(0, 365));
        const status = random.weighted([
          ['New', 15],
          ['Working', 20],
          ['Escalated', 5],
          ['Closed', 60],
        ]);
        crm.Case.insert({
          Id: ids.case.next(),
          CaseNumber: String(++counters.case).padStart(8, '0'),
          AccountId: accountId,
          ContactId: contactIds.length > 0 ? random.pick(contactIds) : null,
          AssetId: assetId,
          Subject: assetId
            ? 'Device fault'
            : random.pick(['Invoice question', 'Delivery late', 'Wrong item', 'How to order']),
          Description: '',
          Status: status,
          Priority: random.pick(['High', 'Medium', 'Low']),
          Origin: random.pick(['Phone', 'Email', 'Web']),
          Type: assetId ? 'Warranty Claim' : random.pick(['Problem', 'Question', 'Complaint']),
          IsClosed: status === 'Closed',
          ClosedDate:
            status === 'Closed'
              ? timestamp(
                  addDays(opened, random.int(0, 20)) > DATASET_AS_OF
                    ? DATASET_AS_OF
                    : addDays(opened, random.int(0, 20)),
                )
              : null,
          OwnerId: customer.salesperson.userId,
          ...sfSystem(opened),
        });
      }
    }
  }

  erpTarget.exec(erpIndexes);
  crmTarget.exec(crmIndexes);
  const count = <T extends Record<string, TableSink>>(w: T): Record<keyof T, number> => {
    const out = {} as Record<keyof T, number>;
    for (const key of Object.keys(w) as (keyof T)[]) out[key] = w[key]!.count;
    return out;
  };
  return {
    seed,
    customers: customerCount,
    companyId,
    companyName: COMPANY_NAME,
    asOf: DATASET_AS_OF,
    counts: { erp: count(erp), crm: count(crm) },
  };
}
