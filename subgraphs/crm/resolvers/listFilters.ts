import type { GraphQLError } from 'graphql';
import { isDay } from '../../../lib/domain.js';
import { appError } from '../../../lib/errors.js';
import type {
  CampaignFilter,
  InteractionFilter,
  OpportunityFilter,
  SupportCaseFilter,
} from '../__generated__/resolvers-types.js';
import { parseCrmId } from '../client/ids.js';
import type {
  CampaignListFilter,
  DaySpan,
  InteractionListFilter,
  OpportunityListFilter,
  SupportCaseListFilter,
} from '../client/listFilters.js';

/**
 * The root lists' filters, checked before any CRM call and handed to the client in the graph's
 * words (client/listFilters.ts alone knows which CRM fields they read). A refusal is
 * BAD_USER_INPUT with `field` (the input path, `filter.closeDateFrom`) and `reason` (EMPTY,
 * TOO_LONG, INVALID_ID, INVALID_FORMAT, OUT_OF_RANGE), as the graph's other inputs are refused.
 */

type Reason = 'EMPTY' | 'TOO_LONG' | 'INVALID_ID' | 'INVALID_FORMAT' | 'OUT_OF_RANGE';

function invalid(field: string, reason: Reason, message: string): GraphQLError {
  return appError('BAD_USER_INPUT', message, { argument: 'filter', field: `filter.${field}`, reason });
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Salesforce's picklist values are at most 255 characters; a filter lists a few of them. */
const MAX_VALUE_LENGTH = 255;
const MAX_VALUES = 50;
const MAX_EMAIL_LENGTH = 254;
const MAX_SEARCH_LENGTH = 200;

/** A calendar day (YYYY-MM-DD that names a real day), or a refusal. */
function day(field: string, value: string): string {
  if (!isDay(value)) throw invalid(field, 'INVALID_FORMAT', `"${field}" must be a date as YYYY-MM-DD.`);
  return value;
}

/** A from..to pair of days, both optional, refused when from comes after to. */
function days(
  fromField: string,
  from: string | null | undefined,
  toField: string,
  to: string | null | undefined,
): DaySpan {
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

function ownerEmail(value: string): string {
  if (value.length > MAX_EMAIL_LENGTH || !EMAIL_RE.test(value)) {
    throw invalid('ownerEmail', 'INVALID_FORMAT', '"ownerEmail" must be an e-mail address.');
  }
  return value;
}

/** A span of days, or nothing when neither end is given. */
const spanOf = (span: DaySpan): DaySpan | undefined =>
  span.from !== undefined || span.to !== undefined ? span : undefined;

// Each filter checks its fields in the schema's order, so the first bad one is the one refused.

export function opportunityFilter(filter: OpportunityFilter | null | undefined): OpportunityListFilter {
  if (!filter) return {};
  return {
    stages: filter.stages != null ? values('stages', filter.stages) : undefined,
    ownerEmail: filter.ownerEmail != null ? ownerEmail(filter.ownerEmail) : undefined,
    closeDate: spanOf(days('closeDateFrom', filter.closeDateFrom, 'closeDateTo', filter.closeDateTo)),
    isClosed: filter.isClosed ?? undefined,
    isWon: filter.isWon ?? undefined,
    campaignId: filter.campaignId != null ? campaignId(filter.campaignId, 'filter.campaignId') : undefined,
  };
}

export function supportCaseFilter(filter: SupportCaseFilter | null | undefined): SupportCaseListFilter {
  if (!filter) return {};
  return {
    statuses: filter.statuses != null ? values('statuses', filter.statuses) : undefined,
    priorities: filter.priorities != null ? values('priorities', filter.priorities) : undefined,
    ownerEmail: filter.ownerEmail != null ? ownerEmail(filter.ownerEmail) : undefined,
    isClosed: filter.isClosed ?? undefined,
    opened: spanOf(days('openedFrom', filter.openedFrom, 'openedTo', filter.openedTo)),
  };
}

export function interactionFilter(filter: InteractionFilter | null | undefined): InteractionListFilter {
  if (!filter) return {};
  const ownerFilter = filter.ownerEmail != null ? ownerEmail(filter.ownerEmail) : undefined;
  const occurred = spanOf(days('from', filter.from, 'to', filter.to));
  if (filter.types != null && filter.types.length === 0) {
    throw invalid('types', 'EMPTY', '"types" must name at least one type.');
  }
  return {
    types: filter.types != null ? [...new Set(filter.types)] : undefined,
    ownerEmail: ownerFilter,
    occurred,
  };
}

export function campaignFilter(filter: CampaignFilter | null | undefined): CampaignListFilter {
  if (!filter) return {};
  return {
    statuses: filter.statuses != null ? values('statuses', filter.statuses) : undefined,
    activeOn: filter.activeOn != null ? day('activeOn', filter.activeOn) : undefined,
    search: filter.search != null ? searchText(filter.search) : undefined,
  };
}

function searchText(value: string): string {
  const text = value.trim();
  if (text.length === 0) throw invalid('search', 'EMPTY', '"search" must not be blank.');
  if (text.length > MAX_SEARCH_LENGTH) {
    throw invalid('search', 'TOO_LONG', `"search" is at most ${MAX_SEARCH_LENGTH} characters.`);
  }
  return text;
}

/** A campaign's 18-character id, or a refusal naming the input path (`id`, `filter.campaignId`). */
export function campaignId(value: string, path: string): string {
  const id = parseCrmId('campaign', value);
  if (!id) {
    throw appError('BAD_USER_INPUT', `"${path}" must be a CRM campaign id (15 or 18 characters).`, {
      argument: path.split('.')[0],
      field: path,
      reason: 'INVALID_ID' satisfies Reason,
    });
  }
  return id;
}
