import type { CrmAggregates } from '../crm/client/aggregates.js';
import type { ErpReporting } from '../erp/client/reporting.js';

/** What a report reads with: both systems' aggregate reads, the clock, the request's id for the legacy logs. */
export interface ReportReaders {
  reporting: ErpReporting;
  aggregates: CrmAggregates;
  now: () => Date;
  requestId?: string;
}

/** The earliest of the reads' times: how old the oldest figure of an answer is. */
export function earliest(...reads: readonly { readAt: string }[]): string {
  // ISO 8601 times in UTC sort as text.
  return reads.map((read) => read.readAt).sort()[0] ?? '';
}
