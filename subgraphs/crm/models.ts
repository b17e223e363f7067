import type { AccountRecord, EventRecord, TaskRecord, UserRecord } from './client/types.js';

/**
 * What a Customer resolver receives. `account` is null when the CRM holds no account for the
 * customer (an ERP-only customer), undefined when only its id is known so far (a customer
 * reached from a contact or quote): resolvers then load it through the per-request loader.
 */
export interface CustomerModel {
  id: string;
  accountId: string | null;
  account?: AccountRecord | null;
  /** From the gateway's representation, for `discrepancies` (@requires). */
  erpName?: string | null;
  erpBillingAddress?: ErpAddressInput | null;
}

export interface ErpAddressInput {
  street?: string | null;
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
  country?: string | null;
}

/** A CRM user reached by e-mail: `user` holds what is already read (Owner.* parent path). */
export interface EmployeeModel {
  email: string;
  user?: Partial<UserRecord> | null;
}

export type InteractionModel = { kind: 'task'; record: TaskRecord } | { kind: 'event'; record: EventRecord };

export interface ProductModel {
  sku: string;
}

export interface SalesOrderModel {
  number: string;
}
