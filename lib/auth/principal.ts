/**
 * Who is calling, as the gateway and every subgraph derive it from the caller's verified token.
 * Built only by lib/auth/verifier.ts (never from unverified input), then carried in each
 * request's context.
 */
export interface Principal {
  /** The token's `sub`. */
  subject: string;
  /** What the caller may do (see SCOPES), from the token's `scope` (space-separated) or `scp` claim. */
  scopes: ReadonlySet<string>;
  /** The caller's CRM user (their Salesforce username, usually the e-mail) from the configured claim, when the token has it. */
  crmUser?: string;
  /** The verified token itself, forwarded by the gateway to the subgraphs in `Authorization`. */
  token: string;
}

/** The scopes this product knows (README: "Access control"). */
export const SCOPES = {
  /** Customers and what they bought: names, orders, products, interactions, quotes. */
  customerRead: 'customer:read',
  /** Instead of customer:read: only the customers whose CRM owner is the caller. */
  salesOwn: 'sales:own',
  /** Money owed: balance, credit, overdue, invoices, payments. */
  financeRead: 'finance:read',
  /** Personal data: contact e-mail and phone, addresses. */
  piiRead: 'pii:read',
  /** Change customers' addresses and contacts. */
  customerWrite: 'customer:write',
  /** Convert quotes into ERP orders. */
  ordersWrite: 'orders:write',
  /** Log calls, meetings and e-mails in the CRM. */
  interactionsWrite: 'interactions:write',
  /** Open, change and close support cases in the CRM. */
  casesWrite: 'cases:write',
  /** Grant or refuse quote discounts that need a manager's approval. */
  approvalsManager: 'approvals:manager',
  /** Grant or refuse quote discounts that need a director's approval (a director may also decide a manager's). */
  approvalsDirector: 'approvals:director',
  /** See the write-backs waiting for a legacy system. */
  opsRead: 'ops:read',
  /** Figures across customers: sales summaries, forecasts, aging, campaign returns, data quality. */
  reportsRead: 'reports:read',
} as const;

export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

export const ALL_SCOPES: readonly Scope[] = Object.values(SCOPES);

/** Every scope but sales:own (which would narrow reads to the caller's own CRM accounts): a caller who may read and change everything. */
export const FULL_ACCESS_SCOPES: readonly Scope[] = ALL_SCOPES.filter((scope) => scope !== SCOPES.salesOwn);

/** True when the caller sees only the customers they own in the CRM (sales:own without customer:read). */
export function seesOnlyOwnCustomers(principal: Principal | undefined): boolean {
  return (
    principal !== undefined &&
    !principal.scopes.has(SCOPES.customerRead) &&
    principal.scopes.has(SCOPES.salesOwn)
  );
}

/**
 * What decides which answer a caller gets, as one string for keys (never the token: tokens
 * rotate): the scopes (which fields they may see) and their CRM user (whose customers a sales:own
 * caller sees, and who `me` is). Callers with the same visibility get the same answer to the same
 * operation, so their answers may be cached and their identical operations in flight shared.
 */
export function callerVisibility(principal: Principal | undefined): string {
  if (principal === undefined) return 'anonymous';
  return JSON.stringify([[...principal.scopes].sort(), principal.crmUser ?? null]);
}
