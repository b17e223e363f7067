import { appError } from '../../lib/errors.js';
import { parseCrmId } from '../crm/client/ids.js';
import type { AccountForOnboarding, CrmOnboardingWrites } from '../crm/client/onboardingWrites.js';
import {
  type ErpCustomerCreated,
  type ErpCustomerWrites,
  isNumberTaken,
  type NewErpCustomer,
} from '../erp/client/customerWrites.js';
import { ERP_FIELD_LIMITS, type ErpWrites } from '../erp/client/writes.js';
import type { MutationCreateErpCustomerFromAccountArgs } from './__generated__/resolvers-types.js';
import type { CallScope } from './context.js';
import { type Coordinator, NothingToResume, type RunState } from './idempotency.js';
import { createOrFindMade } from './lostAnswers.js';
import { outcome, type SystemOutcome } from './outcomes.js';
import { crmId, idempotencyKey, isEmailAddress } from './validation.js';
import type { WriteBacks } from './writeBacks.js';

/**
 * Prospect onboarding: the ERP customer made from a CRM account, and the account linked to it.
 *
 * Field rules (CRM Account → Business Central customer):
 * - number ← the account's 18-character id in upper case. It is the marker an earlier attempt
 *   is found by: BC's customer number is the customer's primary key (Code[20], unique, indexed),
 *   so a lost answer, a lost idempotency record or a second key finds the customer by it, and
 *   two creates racing past every lookup are refused by BC itself (the second gets "the record
 *   already exists"). The 18-character id stays unique in upper case (its last three characters
 *   encode the case of the first fifteen). The account gets the number back as AccountNumber.
 * - displayName ← Name (required; at most 100 characters); type ← Company.
 * - addressLine1, addressLine2, city, state, postalCode, country ← the billing address (first
 *   street line, the further lines joined by ", "), or the shipping address when the account
 *   has no billing street or city; country as an ISO 3166 alpha-2 code, as BC's country codes.
 * - phoneNumber ← Phone; email ← the e-mail of the account's oldest billing contact (the same
 *   rule that mirrors a billing contact to the ERP later), else empty; website ← Website.
 * - currencyCode ← CurrencyIsoCode, empty when it is the ERP's local currency (BC's blank code).
 * - salespersonCode ← the number of the active ERP employee whose e-mail is the account owner's
 *   (CRM users and ERP employees share company e-mails), else BC's default.
 * - credit limit, payment terms, tax, blocked: BC's defaults for a new customer (no credit
 *   limit, not blocked); finance sets them in the ERP.
 * A value BC cannot hold (too long, a country or currency that is not a code) is not cut: the
 * account is refused (ACCOUNT_NOT_ONBOARDABLE, each field and why) before the ERP is asked
 * anything. Then ERP_Customer_Id__c, AccountNumber and (for a Prospect) Type = Customer - Direct
 * are written onto the account — a pending write-back (CRM_ACCOUNT_ERP_LINK) when the CRM does
 * not take it.
 */

export const ONBOARD_OPERATION = 'createErpCustomerFromAccount';
/** Noted on the idempotency record before the ERP create is sent. */
const CREATE_SENT = 'ERP_CREATE_SENT';
const COUNTRY_RE = /^[A-Za-z]{2}$/;
const CURRENCY_RE = /^[A-Za-z]{3}$/;

export interface OnboardingResult {
  erpCustomerId: string;
  erpCustomerNumber: string;
  accountId: string;
  /** True when this operation (this key) created the ERP customer. */
  customerCreated: boolean;
  outcomes: SystemOutcome[];
  pendingWriteBackId: string | null;
}

export interface OnboardingDeps {
  erp: ErpWrites;
  customers: ErpCustomerWrites;
  crm: CrmOnboardingWrites;
  coordinator: Coordinator;
  writeBacks: WriteBacks;
  /** The ERP company's local currency (ERP_LOCAL_CURRENCY): BC keeps it as a blank code. */
  localCurrencyCode: string;
  /** Test seam: called right after the ERP accepted the customer, before the CRM link. */
  afterErpCustomerCreated?: (customer: ErpCustomerCreated) => void | Promise<void>;
}

/** One field of the account the ERP cannot take as it is. */
interface Problem {
  field: string;
  reason: 'EMPTY' | 'TOO_LONG' | 'INVALID_FORMAT';
}

/** The ERP customer number an account's customer carries (see the field rules). */
export function erpCustomerNumberOf(accountId: string): string {
  return accountId.toUpperCase();
}

/** The customer the field rules make of the account, or the fields that stop it. */
export function customerFromAccount(
  account: AccountForOnboarding,
  localCurrencyCode: string,
): { customer: NewErpCustomer } | { problems: Problem[] } {
  const problems: Problem[] = [];
  const within = (field: string, value: string | null, max: number): string | null => {
    if (value !== null && value.length > max) problems.push({ field, reason: 'TOO_LONG' });
    return value;
  };
  const useBilling = account.billingStreet !== null || account.billingCity !== null;
  const address = useBilling ? 'billingAddress' : 'shippingAddress';
  const [street = null, ...more] = (useBilling ? account.billingStreet : account.shippingStreet)
    ?.split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '') ?? [null];
  const countryText = useBilling ? account.billingCountry : account.shippingCountry;
  if (countryText !== null && !COUNTRY_RE.test(countryText)) {
    problems.push({ field: `${address}.country`, reason: 'INVALID_FORMAT' });
  }
  const currency = account.currencyCode?.toUpperCase() ?? null;
  if (currency !== null && !CURRENCY_RE.test(currency)) {
    problems.push({ field: 'currencyCode', reason: 'INVALID_FORMAT' });
  }
  const email = account.billingContact?.email ?? null;
  if (email !== null && !isEmailAddress(email))
    problems.push({ field: 'billingContact.email', reason: 'INVALID_FORMAT' });
  if (account.name === null) problems.push({ field: 'name', reason: 'EMPTY' });
  const customer: NewErpCustomer = {
    number: erpCustomerNumberOf(account.id),
    name: within('name', account.name, ERP_FIELD_LIMITS.name) ?? '',
    street: within(`${address}.street`, street, ERP_FIELD_LIMITS.street),
    street2: within(`${address}.street`, more.length > 0 ? more.join(', ') : null, ERP_FIELD_LIMITS.street2),
    city: within(
      `${address}.city`,
      useBilling ? account.billingCity : account.shippingCity,
      ERP_FIELD_LIMITS.city,
    ),
    state: within(
      `${address}.state`,
      useBilling ? account.billingState : account.shippingState,
      ERP_FIELD_LIMITS.state,
    ),
    postalCode: within(
      `${address}.postalCode`,
      useBilling ? account.billingPostalCode : account.shippingPostalCode,
      ERP_FIELD_LIMITS.postalCode,
    ),
    country: countryText?.toUpperCase() ?? null,
    phone: within('phone', account.phone, ERP_FIELD_LIMITS.phone),
    email: within('billingContact.email', email, ERP_FIELD_LIMITS.email),
    website: within('website', account.website, ERP_FIELD_LIMITS.website),
    currencyCode: currency === null || currency === localCurrencyCode ? null : currency,
    salesperson: null,
  };
  // One entry per field: a street whose two parts are both too long is one problem.
  const unique = problems.filter(
    (problem, i) => problems.findIndex((p) => p.field === problem.field && p.reason === problem.reason) === i,
  );
  return unique.length > 0 ? { problems: unique } : { customer };
}

/**
 * createErpCustomerFromAccount: exactly once per account, whatever the number of calls, keys or
 * crashes — the idempotency record makes calls with one key share one answer, the account's
 * lease makes calls with different keys run one after the other, and the customer number finds
 * whatever an earlier attempt made before anything is created.
 */
export class ProspectOnboarding {
  constructor(private readonly deps: OnboardingDeps) {}

  async onboard(
    args: MutationCreateErpCustomerFromAccountArgs,
    scope: CallScope,
  ): Promise<OnboardingResult & { replayed: boolean }> {
    const key = idempotencyKey('idempotencyKey', args.idempotencyKey);
    // One form per account, so every way of writing its id shares one lease and one fingerprint.
    const accountId = parseCrmId('account', crmId('accountId', args.accountId, 'account'))!;
    const { result, replayed } = await this.deps.coordinator.runOnce({
      operation: ONBOARD_OPERATION,
      key,
      input: { accountId },
      run: (state) =>
        this.deps.coordinator.withLease(`account:${accountId}`, () =>
          this.run(accountId, 'create', scope, state),
        ),
    });
    return { ...result, replayed };
  }

  /**
   * Finishes a run whose process died (its record's lease expired): if the ERP customer exists,
   * the account is linked (or the link owed) and the answer stored for the client's retry; if
   * not, nothing was written and the record is released so the client's retry starts afresh.
   */
  async resume(record: { key: string; input: unknown }, scope: CallScope): Promise<'resumed' | 'released'> {
    const accountId = (record.input as { accountId?: unknown } | null)?.accountId;
    if (typeof accountId !== 'string') return 'released';
    return this.deps.coordinator.resume({
      operation: ONBOARD_OPERATION,
      key: record.key,
      input: { accountId },
      lease: `account:${accountId}`,
      run: (state) => this.run(accountId, 'resume', scope, state),
    });
  }

  private async run(
    accountId: string,
    mode: 'create' | 'resume',
    scope: CallScope,
    state: RunState,
  ): Promise<OnboardingResult> {
    const { crm, erp, customers, writeBacks } = this.deps;
    const { requestId, logger } = scope;
    const account = await crm.accountForOnboarding(accountId, requestId);
    if (!account)
      throw appError('NOT_FOUND', `The CRM has no account ${accountId}.`, { system: 'CRM', accountId });

    if (account.erpCustomerId !== null) {
      // Linked already (by an earlier onboarding, or by hand): nothing to create, if the link holds.
      const linked = await erp.getCustomer(account.erpCustomerId, requestId);
      if (!linked) {
        throw appError(
          'CUSTOMER_NOT_LINKED',
          'The account is linked to an ERP customer the ERP does not hold; correct the link in the CRM first.',
          { accountId, erpCustomerId: account.erpCustomerId, reason: 'BROKEN_LINK' },
        );
      }
      return {
        erpCustomerId: linked.id.toLowerCase(),
        erpCustomerNumber: linked.number,
        accountId: account.id,
        customerCreated: false,
        outcomes: [
          outcome('ERP', 'ALREADY_DONE', `The account is a customer in the ERP already (${linked.number}).`),
          outcome('CRM', 'ALREADY_DONE', 'The account was already linked to the ERP customer.'),
        ],
        pendingWriteBackId: null,
      };
    }

    const mapped = customerFromAccount(account, this.deps.localCurrencyCode);
    if ('problems' in mapped) {
      throw appError(
        'ACCOUNT_NOT_ONBOARDABLE',
        'The CRM account holds values the ERP cannot take as they are; correct them in the CRM and retry.',
        { system: 'CRM', accountId, problems: mapped.problems },
      );
    }
    const wanted = mapped.customer;
    // The lookup and the salesperson go out together: one round trip to the ERP before the create.
    const [existing, salesperson] = await Promise.all([
      this.findMade(wanted.number, requestId),
      account.ownerEmail ? customers.salespersonCodeOf(account.ownerEmail, requestId) : Promise.resolve(null),
    ]);
    let customer = existing;
    // Found after a run of this same key had sent the create: that run made it.
    let customerCreated = existing !== undefined && state.progress === CREATE_SENT;
    if (!customer) {
      // A dead run that never made the customer: nothing to finish (its client retries afresh).
      if (mode === 'resume') throw new NothingToResume();
      await state.note(CREATE_SENT);
      customer = await this.create({ ...wanted, salesperson }, scope);
      customerCreated = true;
      logger.info({ accountId, erpCustomerNumber: customer.number }, 'ERP customer created from CRM account');
      await this.deps.afterErpCustomerCreated?.(customer);
    }
    const link = await writeBacks.applyOrRecord(
      {
        kind: 'CRM_ACCOUNT_ERP_LINK',
        link: {
          accountId: account.id,
          erpCustomerId: customer.id,
          erpCustomerNumber: customer.number,
          becomesCustomer: account.prospect,
        },
      },
      customer.id,
      requestId,
    );
    return {
      erpCustomerId: customer.id,
      erpCustomerNumber: customer.number,
      accountId: account.id,
      customerCreated,
      outcomes: [
        customerCreated
          ? outcome('ERP', 'DONE', `Created customer ${customer.number}.`)
          : outcome(
              'ERP',
              'ALREADY_DONE',
              `Customer ${customer.number} had already been created for this account.`,
            ),
        link.outcome,
      ],
      pendingWriteBackId: link.pendingWriteBackId,
    };
  }

  private async findMade(number: string, requestId: string): Promise<ErpCustomerCreated | undefined> {
    const [found] = await this.deps.customers.findCustomersByNumber(number, requestId);
    return found;
  }

  /**
   * Sends the create once. If its answer is lost, or BC says the number is taken (another
   * attempt got there first), the customer is looked up by its number rather than sent again.
   */
  private async create(customer: NewErpCustomer, scope: CallScope): Promise<ErpCustomerCreated> {
    return createOrFindMade(() => this.deps.customers.createCustomer(customer, scope.requestId), {
      findMade: () => this.findMade(customer.number, scope.requestId),
      alsoWhen: isNumberTaken,
      logger: scope.logger,
      logged: (made) => ({ erpCustomerNumber: made.number }),
      message: 'ERP customer create answered with a failure; found the customer it made',
    });
  }
}
