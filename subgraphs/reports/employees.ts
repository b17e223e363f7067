import { type Principal, SCOPES } from '../../lib/auth/principal.js';
import type { Money } from '../../lib/domain.js';
import { appError, LegacyError } from '../../lib/errors.js';
import { emailProblem, invalidArgument } from '../../lib/input.js';
import { MoneyTotals } from '../../lib/money.js';
import type { OpportunityTotal, OwnerCount, Read } from '../crm/client/aggregates.js';
import type { CrmReads } from '../crm/client/reads.js';
import type { ErpReads } from '../erp/client/reads.js';
import type { DocumentTotal } from '../erp/client/reporting.js';
import { FigureSums } from './figures.js';
import type { ReportReaders } from './readers.js';

/**
 * A person's figures: their open pipeline and open cases from CRM aggregates grouped by the
 * owner's e-mail (two statements for every person of a request, in one composite), and what the
 * ERP invoiced with them as salesperson (one aggregating query per period asked, in one `$batch`).
 */

export interface EmployeeFigures {
  openPipeline: Money[];
  weightedPipeline: Money[];
  openOpportunities: number;
  openCaseCount: number;
}

/** The e-mail a lookup is asked for, or BAD_USER_INPUT before any legacy call. */
export function emailArgument(value: string): string {
  const email = value.trim();
  const problem = emailProblem(email, 'any');
  if (problem !== undefined) throw invalidArgument('email', problem, '`email` must be an e-mail address.');
  return email;
}

/**
 * The people with these e-mails, as the ERP's employees or the CRM's users know them (one lookup
 * in each, in parallel, for every address of a request); null where neither does.
 */
export async function findEmployees(
  reads: { erp: ErpReads; crm: CrmReads },
  emails: readonly string[],
  requestId?: string,
): Promise<({ email: string } | null)[]> {
  const [employees, users] = await Promise.all([
    reads.erp.employeesByEmail(emails, requestId),
    reads.crm.usersByEmail(emails, requestId),
  ]);
  return emails.map((email, index) => {
    const employee = employees[index];
    if (employee instanceof LegacyError) throw employee;
    const user = users[index];
    if (!employee && !user) return null;
    return { email: (employee?.email ?? user?.email ?? email).toLowerCase() };
  });
}

/**
 * Whether the caller may see this person's figures: with reports:read anyone's, with sales:own
 * only their own (the CRM user their token names).
 */
export function mayReadFiguresOf(principal: Principal, email: string): boolean {
  if (principal.scopes.has(SCOPES.reportsRead)) return true;
  return (
    principal.scopes.has(SCOPES.salesOwn) &&
    principal.crmUser !== undefined &&
    principal.crmUser.toLowerCase() === email.toLowerCase()
  );
}

export function refuseFigures(): never {
  throw appError('UNAUTHORIZED_FIELD_OR_TYPE', "Not allowed to see this person's figures.");
}

export async function employeeFigures(
  readers: ReportReaders,
  emails: readonly string[],
): Promise<EmployeeFigures[]> {
  const { aggregates } = readers;
  const owners = [...new Set(emails.map((email) => email.toLowerCase()))];
  const [open, cases] = (await aggregates.runAll(
    [
      aggregates.opportunityTotals({ state: 'OPEN', groupBy: 'OWNER', ownerEmails: owners }, 'document'),
      aggregates.openCaseCounts(owners, 'document'),
    ],
    'employee figures',
    readers.requestId,
  )) as [Read<OpportunityTotal>, Read<OwnerCount>];
  return emails.map((email) => {
    const key = email.toLowerCase();
    const sums = new FigureSums();
    for (const row of open.figures) if (row.group === key) sums.addOpen(row);
    return {
      openPipeline: sums.pipeline.list(),
      weightedPipeline: sums.weightedPipeline.list(),
      openOpportunities: sums.openOpportunities,
      openCaseCount: cases.figures
        .filter((row) => row.email === key)
        .reduce((sum, row) => sum + row.count, 0),
    };
  });
}

export interface InvoicedSalesKey {
  employeeNumber: string;
  from: string;
  to: string;
}

/** What the ERP invoiced with each salesperson over each period: one query per period, all in one `$batch`. */
export async function invoicedSales(
  readers: ReportReaders,
  keys: readonly InvoicedSalesKey[],
  freshnessOf: (to: string) => 'master' | 'document',
): Promise<Money[][]> {
  const { reporting } = readers;
  const periods = new Map<string, { from: string; to: string; numbers: Set<string> }>();
  for (const key of keys) {
    const name = `${key.from}/${key.to}`;
    const found = periods.get(name) ?? { from: key.from, to: key.to, numbers: new Set<string>() };
    found.numbers.add(key.employeeNumber);
    periods.set(name, found);
  }
  const list = [...periods.values()];
  const reads = (await reporting.readAll(
    list.map((p) =>
      reporting.documentTotals(
        { from: p.from, to: p.to, kind: 'INVOICE', salespeople: [...p.numbers].sort() },
        freshnessOf(p.to),
      ),
    ),
    'invoiced sales',
    readers.requestId,
  )) as Read<DocumentTotal>[];
  return keys.map((key) => {
    const index = list.findIndex((p) => p.from === key.from && p.to === key.to);
    const totals = new MoneyTotals();
    for (const row of reads[index]?.figures ?? []) {
      if (row.kind === 'INVOICE' && row.salesperson === key.employeeNumber)
        totals.add(row.amount, row.currencyCode);
    }
    return totals.list();
  });
}
