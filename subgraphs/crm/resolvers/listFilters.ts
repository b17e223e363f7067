import type { GraphQLError } from 'graphql';
import { appError } from '../../../lib/errors.js';
import type {
  CampaignFilter,
  InteractionFilter,
  InteractionType,
  OpportunityFilter,
  SupportCaseFilter,
} from '../__generated__/resolvers-types.js';
import { parseCrmId } from '../client/ids.js';
import type { InteractionStream, ListCondition } from '../client/lists.js';
import { TASK_SUBTYPES } from '../client/picklists.js';

/**
 * The root lists' filters, checked before any CRM call and turned into the client's conditions
 * (client/lists.ts ListCondition: a fixed field and a checked value; the client writes the
 * literal). A refusal is BAD_USER_INPUT with `field` (the input path, `filter.closeDateFrom`) and
 * `reason` (EMPTY, TOO_LONG, INVALID_ID, INVALID_FORMAT, OUT_OF_RANGE), as the graph's other
 * inputs are refused.
 */

type Reason = 'EMPTY' | 'TOO_LONG' | 'INVALID_ID' | 'INVALID_FORMAT' | 'OUT_OF_RANGE';

function invalid(field: string, reason: Reason, message: string): GraphQLError {
  return appError('BAD_USER_INPUT', message, { argument: 'filter', field: `filter.${field}`, reason });
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Salesforce's picklist values are at most 255 characters; a filter lists a few of them. */
const MAX_VALUE_LENGTH = 255;
const MAX_VALUES = 50;
const MAX_EMAIL_LENGTH = 254;
const MAX_SEARCH_LENGTH = 200;

/** A calendar day (YYYY-MM-DD that names a real day), or a refusal. */
function day(field: string, value: string): string {
  const m = DATE_RE.exec(value);
  const time = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) {
    throw invalid(field, 'INVALID_FORMAT', `"${field}" must be a date as YYYY-MM-DD.`);
  }
  return value;
}

/** The first instant after a day (UTC): a date-time bound that includes the whole day. */
function dayAfter(value: string): string {
  return new Date(Date.parse(`${value}T00:00:00.000Z`) + 86_400_000).toISOString();
}

/** A from..to pair of days, both optional, refused when from comes after to. */
function days(
  fromField: string,
  from: string | null | undefined,
  toField: string,
  to: string | null | undefined,
): { from?: string; to?: string } {
  const range = {
    ...(from != null ? { from: day(fromField, from) } : {}),
    ...(to != null ? { to: day(toField, to) } : {}),
  };
  if (range.from !== undefined && range.to !== undefined && range.from > range.to) {
    throw invalid(fromField, 'OUT_OF_RANGE', `"${fromField}" must not be after "${toField}".`);
  }
  return range;
}

/** A list of picklist values: not empty, each a non-blank value of a sane length. */
function values(field: string, list: readonly string[]): string[] {
  if (list.length === 0) throw invalid(field, 'EMPTY', `"${field}" must name at least one value.`);
  if (list.length > MAX_VALUES) {
    throw invalid(field, 'TOO_LONG', `"${field}" may name at most ${MAX_VALUES} values.`);
  }
  for (const value of list) {
    if (value.trim() === '') throw invalid(field, 'EMPTY', `"${field}" must not hold a blank value.`);
    if (value.length > MAX_VALUE_LENGTH) {
      throw invalid(field, 'TOO_LONG', `Values of "${field}" are at most ${MAX_VALUE_LENGTH} characters.`);
    }
  }
  return [...new Set(list)];
}

function ownerEmail(value: string): ListCondition {
  if (value.length > MAX_EMAIL_LENGTH || !EMAIL_RE.test(value)) {
    throw invalid('ownerEmail', 'INVALID_FORMAT', '"ownerEmail" must be an e-mail address.');
  }
  return { field: 'Owner.Email', op: '=', value };
}

export function opportunityConditions(filter: OpportunityFilter | null | undefined): ListCondition[] {
  if (!filter) return [];
  const where: ListCondition[] = [];
  if (filter.stages != null)
    where.push({ field: 'StageName', op: 'IN', values: values('stages', filter.stages) });
  if (filter.ownerEmail != null) where.push(ownerEmail(filter.ownerEmail));
  const close = days('closeDateFrom', filter.closeDateFrom, 'closeDateTo', filter.closeDateTo);
  if (close.from !== undefined) where.push({ field: 'CloseDate', op: '>=', value: close.from });
  if (close.to !== undefined) where.push({ field: 'CloseDate', op: '<=', value: close.to });
  if (filter.isClosed != null) where.push({ field: 'IsClosed', op: '=', value: filter.isClosed });
  if (filter.isWon != null) where.push({ field: 'IsWon', op: '=', value: filter.isWon });
  if (filter.campaignId != null) {
    where.push({ field: 'CampaignId', op: '=', value: campaignId(filter.campaignId, 'filter.campaignId') });
  }
  return where;
}

export function supportCaseConditions(filter: SupportCaseFilter | null | undefined): ListCondition[] {
  if (!filter) return [];
  const where: ListCondition[] = [];
  if (filter.statuses != null)
    where.push({ field: 'Status', op: 'IN', values: values('statuses', filter.statuses) });
  if (filter.priorities != null) {
    where.push({ field: 'Priority', op: 'IN', values: values('priorities', filter.priorities) });
  }
  if (filter.ownerEmail != null) where.push(ownerEmail(filter.ownerEmail));
  if (filter.isClosed != null) where.push({ field: 'IsClosed', op: '=', value: filter.isClosed });
  // Opened is CreatedDate, a date-time: a day bound covers that whole day (UTC).
  const opened = days('openedFrom', filter.openedFrom, 'openedTo', filter.openedTo);
  if (opened.from !== undefined) {
    where.push({ field: 'CreatedDate', op: '>=', value: `${opened.from}T00:00:00.000Z` });
  }
  if (opened.to !== undefined) where.push({ field: 'CreatedDate', op: '<', value: dayAfter(opened.to) });
  return where;
}

/** What each stream of interactions is read with; a stream the types leave out is not read (null). */
export type InteractionConditions = Record<InteractionStream, ListCondition[] | null>;

const TASK_TYPES = ['TASK', 'CALL', 'EMAIL'] as const;

export function interactionConditions(filter: InteractionFilter | null | undefined): InteractionConditions {
  const tasks: ListCondition[] = [];
  const events: ListCondition[] = [];
  if (!filter) return { tasks, events };
  if (filter.ownerEmail != null) {
    const owner = ownerEmail(filter.ownerEmail);
    tasks.push(owner);
    events.push(owner);
  }
  // occurredAt: a task's due date (a date), an event's start (a date-time, whole days in UTC).
  const range = days('from', filter.from, 'to', filter.to);
  if (range.from !== undefined) {
    tasks.push({ field: 'ActivityDate', op: '>=', value: range.from });
    events.push({ field: 'ActivityDateTime', op: '>=', value: `${range.from}T00:00:00.000Z` });
  }
  if (range.to !== undefined) {
    tasks.push({ field: 'ActivityDate', op: '<=', value: range.to });
    events.push({ field: 'ActivityDateTime', op: '<', value: dayAfter(range.to) });
  }
  if (filter.types == null) return { tasks, events };
  if (filter.types.length === 0) throw invalid('types', 'EMPTY', '"types" must name at least one type.');
  const types = new Set<InteractionType>(filter.types);
  const taskTypes = TASK_TYPES.filter((type) => types.has(type));
  return {
    tasks: taskTypes.length === 0 ? null : [...tasks, ...subtypeCondition(taskTypes)],
    events: types.has('EVENT') ? events : null,
  };
}

/**
 * A task is a CALL or an EMAIL by its subtype and a TASK otherwise (picklists.ts taskTypeOf), so
 * TASK is "none of the subtypes left out" — NOT IN, which keeps tasks without a subtype too.
 */
function subtypeCondition(types: readonly (typeof TASK_TYPES)[number][]): ListCondition[] {
  if (types.includes('TASK')) {
    const left = (['CALL', 'EMAIL'] as const).filter((type) => !types.includes(type));
    return left.length === 0
      ? []
      : [{ field: 'TaskSubtype', op: 'NOT IN', values: left.map((type) => TASK_SUBTYPES[type]) }];
  }
  return [{ field: 'TaskSubtype', op: 'IN', values: types.map((type) => TASK_SUBTYPES[type]) }];
}

export function campaignConditions(filter: CampaignFilter | null | undefined): ListCondition[] {
  if (!filter) return [];
  const where: ListCondition[] = [];
  if (filter.statuses != null)
    where.push({ field: 'Status', op: 'IN', values: values('statuses', filter.statuses) });
  if (filter.activeOn != null) {
    const on = day('activeOn', filter.activeOn);
    where.push({ field: 'StartDate', op: '<=', value: on }, { field: 'EndDate', op: '>=', value: on });
  }
  if (filter.search != null) {
    const text = filter.search.trim();
    if (text.length === 0) throw invalid('search', 'EMPTY', '"search" must not be blank.');
    if (text.length > MAX_SEARCH_LENGTH) {
      throw invalid('search', 'TOO_LONG', `"search" is at most ${MAX_SEARCH_LENGTH} characters.`);
    }
    where.push({ field: 'Name', op: 'CONTAINS', text });
  }
  return where;
}

/** A campaign's 18-character id, or a refusal naming the input path (`id`, `filter.campaignId`). */
export function campaignId(value: string, path: string): string {
  const id = typeof value === 'string' ? parseCrmId('campaign', value) : null;
  if (!id) {
    throw appError('BAD_USER_INPUT', `"${path}" must be a CRM campaign id (15 or 18 characters).`, {
      argument: path.split('.')[0],
      field: path,
      reason: 'INVALID_ID' satisfies Reason,
    });
  }
  return id;
}
