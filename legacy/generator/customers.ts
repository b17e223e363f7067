import { DATASET_AS_OF, day, daysBetween } from './calendar.js';
import { type Generation, money } from './context.js';
import type { Employee } from './employees.js';
import type { Receivable } from './salesDocuments.js';
import { CITIES, FOREIGN_CURRENCIES, NAME_STEMS, PEOPLE_SURNAMES, STREETS, SUFFIXES } from './vocabulary.js';

/** Business Central's local currency (LCY) for the company; a blank currencyCode means this. */
export const LOCAL_CURRENCY = 'USD';

/** One customer as both systems know it (or only one of them: `inErp`, `inCrm`). */
export interface Customer {
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
  /** Of the website and the e-mail addresses. */
  domain: string;
  inErp: boolean;
  inCrm: boolean;
}

/** Names with `%` and `_`, so LIKE and SOQL escaping meet them in every data set. */
const GUARANTEED_SEARCH_NAMES = ['100% Organic Foods', 'Data_Works', 'Cut_Price 50% Outlet'];

/** Draws the customer at `index`: which systems have it, and where the two disagree. */
export function drawCustomer(gen: Generation, index: number, employees: readonly Employee[]): Customer {
  const { random } = gen;
  const roll = random.float();
  const inErp = roll < 0.9;
  const inCrm = roll < 0.8 || roll >= 0.9;
  const [city, state, country, postPrefix] = random.pick(CITIES);
  const suffix = random.pick(SUFFIXES);
  const stem =
    index < GUARANTEED_SEARCH_NAMES.length
      ? GUARANTEED_SEARCH_NAMES[index]!
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
  return {
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
    currencyId: foreign ? gen.setup.currencyIds.get(foreign[0])! : null,
    taxLiable: !foreign && random.chance(0.8),
    salesperson: random.pick(employees),
    phone: gen.phone(),
    email: `info@${domain}`,
    domain,
    inErp,
    inCrm,
  };
}

/**
 * The ERP customer with its financial position (balance, overdue, aging), all from the
 * invoices already written for it.
 */
export function writeErpCustomer(
  gen: Generation,
  customer: Customer,
  receivables: readonly Receivable[],
): void {
  const { random, erp, setup } = gen;
  const { address } = customer;
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
    displayName: customer.name,
    type: 'Company',
    addressLine1: address.line1,
    addressLine2: '',
    city: address.city,
    state: address.state,
    country: address.country,
    postalCode: address.postalCode,
    phoneNumber: customer.phone,
    email: customer.email,
    website: `www.${customer.domain}`,
    salespersonCode: customer.salesperson.number,
    balanceDue: money(balance),
    creditLimit: random.chance(0.2) ? 0 : random.int(1, 50) * 5000,
    taxLiable: customer.taxLiable,
    taxAreaId: customer.taxLiable ? setup.taxAreaId : null,
    taxAreaDisplayName: customer.taxLiable ? 'ATLANTA, GA' : '',
    // A foreign customer (one with a currency of its own) has a VAT number of its country.
    taxRegistrationNumber: customer.currencyCode
      ? `${address.country}${random.int(100_000_000, 999_999_999)}`
      : '',
    currencyId: customer.currencyId,
    currencyCode: customer.currencyCode,
    paymentTermsId: setup.paymentTermsId,
    shipmentMethodId: setup.shipmentMethodId,
    paymentMethodId: setup.paymentMethodId,
    blocked,
    lastModifiedDateTime: gen.timestamp(day(-random.int(0, 200))),
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
    name: customer.name,
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
