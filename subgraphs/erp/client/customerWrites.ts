import { bumpGenerations } from '../../../lib/cachedBatch.js';
import { badLegacyResponse, LegacyError } from '../../../lib/errors.js';
import type { LegacyCache } from '../../../lib/legacyCache.js';
import { ERP_GENERATIONS } from './cacheGenerations.js';
import type { ErpClient } from './erpClient.js';
import type { BcCustomer, BcEmployee, BcSalesOrder } from './types.js';

/**
 * Business Central writes and reads of prospect onboarding and support cases: a customer made
 * from a CRM account, found again by its number, and the records a case may name (an order, the
 * salesperson of an account owner). Protocol knowledge stays here: the customers entity set,
 * BC's property names, Code[20] numbers, the error code BC answers a number already taken with.
 * The create is sent once (LegacyHttp never retries a POST); the caller makes it safe to repeat
 * by choosing the number itself and looking for it first.
 */

/** A customer as onboarding writes it, in the graph's vocabulary; null leaves BC's default. */
export interface NewErpCustomer {
  /** The number the customer is found again by (BC Code[20], upper case). */
  number: string;
  name: string;
  street: string | null;
  street2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  /** ISO 3166 alpha-2, as BC's country/region codes. */
  country: string | null;
  phone: string | null;
  email: string | null;
  website: string | null;
  /** Null: the company's local currency (BC's blank currency code). */
  currencyCode: string | null;
  salesperson: string | null;
}

export interface ErpCustomerCreated {
  id: string;
  number: string;
  name: string | null;
}

/** An order a support case may name, with the customer it belongs to. */
export interface ErpOrderReference {
  number: string;
  customerId: string | null;
}

const CUSTOMER_SELECT = ['id', 'number', 'displayName'] as const;
type BcCustomerCreated = Pick<BcCustomer, (typeof CUSTOMER_SELECT)[number]>;

/** BC's answer to a record whose primary key (the customer number) is taken. */
const KEY_EXISTS = 'Internal_EntityWithSameKeyExists';

/** Whether BC refused a create because the number it names is taken (an earlier attempt made it). */
export function isNumberTaken(error: unknown): boolean {
  return (
    error instanceof LegacyError && error.code === 'LEGACY_REJECTED' && error.detail.legacyCode === KEY_EXISTS
  );
}

function createdOf(row: Partial<BcCustomerCreated> | undefined, label: string): ErpCustomerCreated {
  if (!row || typeof row.id !== 'string' || typeof row.number !== 'string') {
    throw badLegacyResponse('ERP', label, 'no customer id or number');
  }
  return { id: row.id.toLowerCase(), number: row.number, name: row.displayName ?? null };
}

/** BC clears or leaves a text field with "", never null. */
const textOf = (value: string | null) => value ?? '';

export class ErpCustomerWrites {
  constructor(
    private readonly client: ErpClient,
    private readonly cache: LegacyCache | undefined,
    /** erpCacheScope(…) of the same ERP, company and token the ERP subgraph reads with. */
    private readonly scope: string,
  ) {}

  /** Customers with this number (at most one: the number is BC's primary key). */
  async findCustomersByNumber(number: string, requestId?: string): Promise<ErpCustomerCreated[]> {
    const label = 'customers by number';
    const rows = await this.client.findBy<Partial<BcCustomerCreated>>(
      'customers',
      'number',
      'text',
      [number],
      {
        select: CUSTOMER_SELECT,
        label,
        requestId,
      },
    );
    return rows.map((row) => createdOf(row, label));
  }

  /** The number of the (active) ERP employee with this e-mail: the salesperson code BC keeps. */
  async salespersonCodeOf(email: string, requestId?: string): Promise<string | null> {
    const rows = await this.client.findBy<Pick<BcEmployee, 'number' | 'email' | 'status'>>(
      'employees',
      'email',
      'text',
      [email],
      { select: ['number', 'email', 'status'], label: 'employees by e-mail', requestId },
    );
    const active = rows.filter((row) => row.status !== 'Inactive');
    return active[0]?.number ?? null;
  }

  /**
   * Creates the customer in one POST, sent once. A lost answer (timeout, dropped connection) or
   * BC's "number taken" refusal means an earlier attempt may have made it: the caller looks it
   * up by number rather than sending this again.
   */
  async createCustomer(customer: NewErpCustomer, requestId?: string): Promise<ErpCustomerCreated> {
    const label = 'create customer';
    const company = await this.client.resolveCompanyId(requestId);
    try {
      const response = await this.client.http.send<Partial<BcCustomerCreated>>({
        method: 'POST',
        path: `companies(${company})/customers?$select=${CUSTOMER_SELECT.join(',')}`,
        body: {
          number: customer.number,
          displayName: customer.name,
          type: 'Company',
          addressLine1: textOf(customer.street),
          addressLine2: textOf(customer.street2),
          city: textOf(customer.city),
          state: textOf(customer.state),
          postalCode: textOf(customer.postalCode),
          country: textOf(customer.country),
          phoneNumber: textOf(customer.phone),
          email: textOf(customer.email),
          website: textOf(customer.website),
          currencyCode: textOf(customer.currencyCode),
          ...(customer.salesperson ? { salespersonCode: customer.salesperson } : {}),
        },
        label,
        requestId,
      });
      return createdOf(response.body, label);
    } finally {
      // Bumped whatever the outcome: a create that timed out may still have happened.
      await bumpGenerations(this.cache, this.scope, [ERP_GENERATIONS.customers]);
    }
  }

  /**
   * The sales order with this number, or — BC deletes an order once it is fully invoiced — the
   * order an invoice names: what a complaint case may refer to. Two GETs, in parallel.
   */
  async findOrderReference(number: string, requestId?: string): Promise<ErpOrderReference | undefined> {
    const [orders, invoices] = await Promise.all([
      this.client.findBy<Pick<BcSalesOrder, 'number' | 'customerId'>>(
        'salesOrders',
        'number',
        'text',
        [number],
        {
          select: ['number', 'customerId'],
          label: 'orders by number',
          requestId,
        },
      ),
      this.client.findBy<{ orderNumber: string | null; customerId: string | null }>(
        'salesInvoices',
        'orderNumber',
        'text',
        [number],
        { select: ['orderNumber', 'customerId'], label: 'invoices by order number', requestId },
      ),
    ]);
    const found = orders[0] ?? (invoices[0] ? { number, customerId: invoices[0].customerId } : undefined);
    return found && { number: found.number, customerId: found.customerId?.toLowerCase() ?? null };
  }
}
