import { appError } from '../../../lib/errors.js';
import {
  type DayWords,
  dayInput,
  dayRangeInput,
  emailProblem,
  type InputReason,
  invalidFilter,
} from '../../../lib/input.js';
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

/** Salesforce's picklist values are at most 255 characters; a filter lists a few of them. */
const MAX_VALUE_LENGTH = 255;
const MAX_VALUES = 50;
const MAX_SEARCH_LENGTH = 200;

/** A filter's days, as this subgraph has always refused them: a reversed range at its `…From` end. */
const DAYS: DayWords = {
  refuse: invalidFilter,
  notADay: (field) => `"${field}" must be a date as YYYY-MM-DD.`,
  reversedAt: 'from',
  reversed: (fromField, toField) => `"${fromField}" must not be after "${toField}".`,
};

/** A from..to pair of days, both optional, refused when from comes after to; nothing when neither is given. */
function days(
  fromField: string,
  from: string | null | undefined,
  toField: string,
  to: string | null | undefined,
): DaySpan | undefined {
  return dayRangeInput(fromField, from, toField, to, DAYS);
}

/** A list of picklist values: not empty, each a non-blank value of a sane length. */
function values(field: string, list: readonly string[]): string[] {
  if (list.length === 0) throw invalidFilter(field, 'EMPTY', `"${field}" must name at least one value.`);
  if (list.length > MAX_VALUES) {
    throw invalidFilter(field, 'TOO_LONG', `"${field}" may name at most ${MAX_VALUES} values.`);
  }
  for (const value of list) {
    if (value.trim() === '') throw invalidFilter(field, 'EMPTY', `"${field}" must not hold a blank value.`);
    if (value.length > MAX_VALUE_LENGTH) {
      throw invalidFilter(
        field,
        'TOO_LONG',
        `Values of "${field}" are at most ${MAX_VALUE_LENGTH} characters.`,
      );
    }
  }
  return [...new Set(list)];
}

function ownerEmail(value: string): string {
  if (emailProblem(value, 'dotted') !== undefined) {
    throw invalidFilter('ownerEmail', 'INVALID_FORMAT', '"ownerEmail" must be an e-mail address.');
  }
  return value;
}

// Each filter checks its fields in the schema's order, so the first bad one is the one refused.

export function opportunityFilter(filter: OpportunityFilter | null | undefined): OpportunityListFilter {
  if (!filter) return {};
  return {
    stages: filter.stages != null ? values('stages', filter.stages) : undefined,
    ownerEmail: filter.ownerEmail != null ? ownerEmail(filter.ownerEmail) : undefined,
    closeDate: days('closeDateFrom', filter.closeDateFrom, 'closeDateTo', filter.closeDateTo),
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
    opened: days('openedFrom', filter.openedFrom, 'openedTo', filter.openedTo),
  };
}

export function interactionFilter(filter: InteractionFilter | null | undefined): InteractionListFilter {
  if (!filter) return {};
  const ownerFilter = filter.ownerEmail != null ? ownerEmail(filter.ownerEmail) : undefined;
  const occurred = days('from', filter.from, 'to', filter.to);
  if (filter.types != null && filter.types.length === 0) {
    throw invalidFilter('types', 'EMPTY', '"types" must name at least one type.');
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
    activeOn: filter.activeOn != null ? dayInput('activeOn', filter.activeOn, DAYS) : undefined,
    search: filter.search != null ? searchText(filter.search) : undefined,
  };
}

function searchText(value: string): string {
  const text = value.trim();
  if (text.length === 0) throw invalidFilter('search', 'EMPTY', '"search" must not be blank.');
  if (text.length > MAX_SEARCH_LENGTH) {
    throw invalidFilter('search', 'TOO_LONG', `"search" is at most ${MAX_SEARCH_LENGTH} characters.`);
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
      reason: 'INVALID_ID' satisfies InputReason,
    });
  }
  return id;
}
