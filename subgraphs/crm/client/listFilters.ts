import type { RootListName } from './fields.js';
import type { InteractionStream, ListCondition } from './lists.js';
import type { CrmInteractionType } from './models.js';
import { TASK_SUBTYPES } from './picklists.js';

/**
 * The root lists' filters in the graph's words, as the resolvers hand them over once checked
 * (days real, ranges in order, lists not empty), and the only place that knows which Salesforce
 * field each one reads and how: a date-time field (a case's CreatedDate, an event's
 * ActivityDateTime) takes whole days in UTC, a task's kind is its subtype. Plain JSON, so a
 * page's read stays its own cache key.
 */

/** Calendar days (YYYY-MM-DD), both ends included, either end open. */
export interface DaySpan {
  from?: string;
  to?: string;
}

export interface OpportunityListFilter {
  stages?: readonly string[];
  ownerEmail?: string;
  closeDate?: DaySpan;
  isClosed?: boolean;
  isWon?: boolean;
  /** The primary campaign's 18-character id. */
  campaignId?: string;
}

export interface SupportCaseListFilter {
  statuses?: readonly string[];
  priorities?: readonly string[];
  ownerEmail?: string;
  /** The CRM user who owns the case (an employee's own cases). */
  ownerId?: string;
  isClosed?: boolean;
  opened?: DaySpan;
}

export interface InteractionListFilter {
  /** Which kinds to list (not empty); none: every kind. */
  types?: readonly CrmInteractionType[];
  ownerEmail?: string;
  /** The CRM user who owns the interaction (an employee's own). */
  ownerId?: string;
  occurred?: DaySpan;
}

export interface CampaignListFilter {
  statuses?: readonly string[];
  /** A day the campaign runs on (started on or before it, ends on or after it). */
  activeOn?: string;
  /** Text the campaign's name contains. */
  search?: string;
}

/** The filter each root list is read with; the interaction streams share the interactions'. */
export interface RootListFilters {
  opportunities: OpportunityListFilter;
  cases: SupportCaseListFilter;
  tasks: InteractionListFilter;
  events: InteractionListFilter;
  campaigns: CampaignListFilter;
}

/** The first instant after a day (UTC): a date-time bound that includes the whole day. */
function dayAfter(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString();
}

const startOf = (day: string) => `${day}T00:00:00.000Z`;

function opportunityConditions(filter: OpportunityListFilter): ListCondition[] {
  const where: ListCondition[] = [];
  if (filter.stages) where.push({ field: 'StageName', op: 'IN', values: filter.stages });
  if (filter.ownerEmail !== undefined)
    where.push({ field: 'Owner.Email', op: '=', value: filter.ownerEmail });
  const close = filter.closeDate;
  if (close?.from !== undefined) where.push({ field: 'CloseDate', op: '>=', value: close.from });
  if (close?.to !== undefined) where.push({ field: 'CloseDate', op: '<=', value: close.to });
  if (filter.isClosed !== undefined) where.push({ field: 'IsClosed', op: '=', value: filter.isClosed });
  if (filter.isWon !== undefined) where.push({ field: 'IsWon', op: '=', value: filter.isWon });
  if (filter.campaignId !== undefined) where.push({ field: 'CampaignId', op: '=', value: filter.campaignId });
  return where;
}

function supportCaseConditions(filter: SupportCaseListFilter): ListCondition[] {
  const where: ListCondition[] = [];
  if (filter.statuses) where.push({ field: 'Status', op: 'IN', values: filter.statuses });
  if (filter.priorities) where.push({ field: 'Priority', op: 'IN', values: filter.priorities });
  if (filter.ownerEmail !== undefined)
    where.push({ field: 'Owner.Email', op: '=', value: filter.ownerEmail });
  if (filter.ownerId !== undefined) where.push({ field: 'OwnerId', op: '=', value: filter.ownerId });
  if (filter.isClosed !== undefined) where.push({ field: 'IsClosed', op: '=', value: filter.isClosed });
  // Opened is CreatedDate, a date-time: a day bound covers that whole day (UTC).
  const opened = filter.opened;
  if (opened?.from !== undefined) where.push({ field: 'CreatedDate', op: '>=', value: startOf(opened.from) });
  if (opened?.to !== undefined) where.push({ field: 'CreatedDate', op: '<', value: dayAfter(opened.to) });
  return where;
}

const TASK_TYPES = ['TASK', 'CALL', 'EMAIL'] as const;
type TaskType = (typeof TASK_TYPES)[number];

/** Whether a filter's types name a kind the stream holds (no types: every kind). */
function keepsStream(stream: InteractionStream, types: readonly CrmInteractionType[] | undefined): boolean {
  if (!types) return true;
  return stream === 'events' ? types.includes('EVENT') : TASK_TYPES.some((type) => types.includes(type));
}

/**
 * One stream's conditions, or null when the filter's types leave the stream out. occurredAt is
 * a task's due date (a date) and an event's start (a date-time, whole days in UTC).
 */
function interactionConditions(
  stream: InteractionStream,
  filter: InteractionListFilter,
): ListCondition[] | null {
  if (!keepsStream(stream, filter.types)) return null;
  const where: ListCondition[] = [];
  if (filter.ownerEmail !== undefined)
    where.push({ field: 'Owner.Email', op: '=', value: filter.ownerEmail });
  if (filter.ownerId !== undefined) where.push({ field: 'OwnerId', op: '=', value: filter.ownerId });
  const range = filter.occurred;
  if (stream === 'tasks') {
    if (range?.from !== undefined) where.push({ field: 'ActivityDate', op: '>=', value: range.from });
    if (range?.to !== undefined) where.push({ field: 'ActivityDate', op: '<=', value: range.to });
    if (filter.types)
      where.push(...subtypeCondition(TASK_TYPES.filter((type) => filter.types?.includes(type))));
  } else {
    if (range?.from !== undefined) {
      where.push({ field: 'ActivityDateTime', op: '>=', value: startOf(range.from) });
    }
    if (range?.to !== undefined)
      where.push({ field: 'ActivityDateTime', op: '<', value: dayAfter(range.to) });
  }
  return where;
}

/**
 * A task is a CALL or an EMAIL by its subtype and a TASK otherwise (picklists.ts taskTypeOf), so
 * TASK is "none of the subtypes left out" — NOT IN, which keeps tasks without a subtype too.
 */
function subtypeCondition(types: readonly TaskType[]): ListCondition[] {
  if (types.includes('TASK')) {
    const left = (['CALL', 'EMAIL'] as const).filter((type) => !types.includes(type));
    return left.length === 0
      ? []
      : [{ field: 'TaskSubtype', op: 'NOT IN', values: left.map((type) => TASK_SUBTYPES[type]) }];
  }
  return [{ field: 'TaskSubtype', op: 'IN', values: types.map((type) => TASK_SUBTYPES[type]) }];
}

function campaignConditions(filter: CampaignListFilter): ListCondition[] {
  const where: ListCondition[] = [];
  if (filter.statuses) where.push({ field: 'Status', op: 'IN', values: filter.statuses });
  if (filter.activeOn !== undefined) {
    where.push(
      { field: 'StartDate', op: '<=', value: filter.activeOn },
      { field: 'EndDate', op: '>=', value: filter.activeOn },
    );
  }
  if (filter.search !== undefined) where.push({ field: 'Name', op: 'CONTAINS', text: filter.search });
  return where;
}

const CONDITIONS: { [L in RootListName]: (filter: RootListFilters[L]) => ListCondition[] | null } = {
  opportunities: opportunityConditions,
  cases: supportCaseConditions,
  tasks: (filter) => interactionConditions('tasks', filter),
  events: (filter) => interactionConditions('events', filter),
  campaigns: campaignConditions,
};

/**
 * A root list's filter as the conditions of its statement (each written by reads.ts through
 * soql.ts's literal for its field's kind), or null when the filter leaves the list out.
 */
export function listConditions<L extends RootListName>(
  list: L,
  filter: RootListFilters[L],
): ListCondition[] | null {
  const conditions = CONDITIONS[list] as (filter: RootListFilters[L]) => ListCondition[] | null;
  return conditions(filter);
}
