import { type ColumnKind, CRM_TABLES, type CrmTableName, type TableDef } from '../generator/model.js';
import { KEY_PREFIXES } from './ids.js';

/**
 * What the stand-in knows about each sObject beyond its columns: the lookups to parent objects
 * (`AccountId` → relationship `Account`), the child relationships a SOQL subquery names
 * (`Account.Tasks`), which fields a client may write, which are required on create, and which
 * are external ids. Names are resolved case-insensitively, as Salesforce does.
 */
export interface ParentRelationship {
  /** Relationship name in SOQL and JSON (`Account`, `Owner`). */
  name: string;
  /** The lookup field on the child (`AccountId`, `OwnerId`). */
  field: string;
  target: CrmTableName;
}

export interface ChildRelationship {
  name: string;
  child: CrmTableName;
  /** The lookup field on the child that points at the parent. */
  field: string;
}

export interface SObjectDef {
  name: CrmTableName;
  table: TableDef;
  keyPrefix: string;
  columns: Readonly<Record<string, ColumnKind>>;
  /** Lower-cased field name → canonical field name. */
  fieldsByLowerName: ReadonlyMap<string, string>;
  parents: ReadonlyMap<string, ParentRelationship>;
  children: ReadonlyMap<string, ChildRelationship>;
  /** Fields a create or update may set. */
  writable: ReadonlySet<string>;
  /** Fields a create must set (Salesforce's REQUIRED_FIELD_MISSING). */
  required: readonly string[];
  externalIds: ReadonlySet<string>;
}

const SYSTEM_FIELDS = new Set(['Id', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'IsDeleted']);

/** Lookup field → target object. WhoId/WhatId are polymorphic and not followed. */
const LOOKUP_TARGETS: Record<string, CrmTableName> = {
  AccountId: 'Account',
  ContactId: 'Contact',
  OwnerId: 'User',
  OpportunityId: 'Opportunity',
  QuoteId: 'Quote',
  Product2Id: 'Product2',
  CampaignId: 'Campaign',
  AssetId: 'Asset',
  EntitlementId: 'Entitlement',
};

const CHILD_RELATIONSHIPS: Partial<Record<CrmTableName, Record<string, [CrmTableName, string]>>> = {
  Account: {
    Contacts: ['Contact', 'AccountId'],
    Opportunities: ['Opportunity', 'AccountId'],
    Quotes: ['Quote', 'AccountId'],
    Cases: ['Case', 'AccountId'],
    Tasks: ['Task', 'AccountId'],
    Events: ['Event', 'AccountId'],
    Assets: ['Asset', 'AccountId'],
    Entitlements: ['Entitlement', 'AccountId'],
  },
  Contact: {
    Cases: ['Case', 'ContactId'],
    CampaignMembers: ['CampaignMember', 'ContactId'],
    Assets: ['Asset', 'ContactId'],
    Tasks: ['Task', 'WhoId'],
    Events: ['Event', 'WhoId'],
  },
  Opportunity: { Quotes: ['Quote', 'OpportunityId'] },
  Quote: { QuoteLineItems: ['QuoteLineItem', 'QuoteId'] },
  Campaign: {
    CampaignMembers: ['CampaignMember', 'CampaignId'],
    Opportunities: ['Opportunity', 'CampaignId'],
  },
  Asset: { Cases: ['Case', 'AssetId'], Entitlements: ['Entitlement', 'AssetId'] },
  Entitlement: { Cases: ['Case', 'EntitlementId'] },
  Product2: { Assets: ['Asset', 'Product2Id'], QuoteLineItems: ['QuoteLineItem', 'Product2Id'] },
};

/** Fields Salesforce computes (compound names, auto-numbers, roll-ups): never written by clients. */
const COMPUTED: Partial<Record<CrmTableName, readonly string[]>> = {
  Contact: ['Name'],
  User: ['Name'],
  // IsClosed and ClosedDate follow Status (writes.ts), as Salesforce's read-only fields do.
  Case: ['CaseNumber', 'IsClosed', 'ClosedDate'],
  Quote: ['QuoteNumber', 'Subtotal', 'Discount', 'TotalPrice', 'GrandTotal'],
  QuoteLineItem: ['LineNumber', 'Subtotal', 'TotalPrice'],
  Opportunity: ['IsClosed', 'IsWon'],
  Task: ['IsClosed'],
  // Entitlement management counts it down as cases are opened against the entitlement.
  Entitlement: ['RemainingCases'],
};

const REQUIRED: Partial<Record<CrmTableName, readonly string[]>> = {
  Account: ['Name'],
  Contact: ['LastName'],
  User: ['LastName', 'Username', 'Email'],
  Opportunity: ['Name', 'StageName', 'CloseDate'],
  Quote: ['Name', 'OpportunityId'],
  QuoteLineItem: ['QuoteId', 'Quantity', 'UnitPrice'],
  Product2: ['Name'],
  Campaign: ['Name'],
  CampaignMember: ['CampaignId'],
  Asset: ['Name'],
  Entitlement: ['Name', 'AccountId'],
};

const EXTERNAL_IDS: Partial<Record<CrmTableName, readonly string[]>> = {
  Account: ['ERP_Customer_Id__c'],
  Product2: ['ERP_Item_Id__c'],
};

function build(name: CrmTableName): SObjectDef {
  const table: TableDef = CRM_TABLES[name];
  const columns = table.columns;
  const fieldsByLowerName = new Map(Object.keys(columns).map((f) => [f.toLowerCase(), f]));
  const parents = new Map<string, ParentRelationship>();
  for (const [field, kind] of Object.entries(columns)) {
    const target = LOOKUP_TARGETS[field];
    if (kind === 'id18' && target) {
      const relName = field === 'OwnerId' ? 'Owner' : field.slice(0, -2);
      parents.set(relName.toLowerCase(), { name: relName, field, target });
    }
  }
  const children = new Map<string, ChildRelationship>();
  for (const [relName, [child, field]] of Object.entries(CHILD_RELATIONSHIPS[name] ?? {})) {
    children.set(relName.toLowerCase(), { name: relName, child, field });
  }
  const computed = new Set(COMPUTED[name] ?? []);
  const writable = new Set(Object.keys(columns).filter((f) => !SYSTEM_FIELDS.has(f) && !computed.has(f)));
  return {
    name,
    table,
    keyPrefix: KEY_PREFIXES[name],
    columns,
    fieldsByLowerName,
    parents,
    children,
    writable,
    required: REQUIRED[name] ?? [],
    externalIds: new Set(EXTERNAL_IDS[name] ?? []),
  };
}

export const SOBJECTS: Readonly<Record<CrmTableName, SObjectDef>> = Object.fromEntries(
  (Object.keys(CRM_TABLES) as CrmTableName[]).map((name) => [name, build(name)]),
) as Record<CrmTableName, SObjectDef>;

const BY_LOWER_NAME = new Map(Object.values(SOBJECTS).map((def) => [def.name.toLowerCase(), def]));

/** The sObject of a name in any case, or undefined. */
export function sobject(name: string): SObjectDef | undefined {
  return BY_LOWER_NAME.get(name.toLowerCase());
}

export function canonicalField(def: SObjectDef, name: string): string | undefined {
  return def.fieldsByLowerName.get(name.toLowerCase());
}
