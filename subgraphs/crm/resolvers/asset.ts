import { appError } from '../../../lib/errors.js';
import type { AssetResolvers, WarrantyResolvers } from '../__generated__/resolvers-types.js';
import type { CrmAsset } from '../client/models.js';
import { assessWarranty, utcDay, type WarrantyAssessment } from '../client/warrantyRules.js';
import type { CrmContext } from '../context.js';
import type { AssetModel, WarrantyModel } from '../models.js';
import { customerOf } from './customer.js';

/** Salesforce's SerialNumber is text of up to 80 characters. */
const SERIAL_NUMBER = /^[^\p{Cc}]{1,80}$/u;

function isSerialNumber(value: unknown): value is string {
  return typeof value === 'string' && value.trim() === value && SERIAL_NUMBER.test(value);
}

/** A serial number argument, or BAD_USER_INPUT naming it. */
export function serialNumberArgument(value: string, argument: string): string {
  if (!isSerialNumber(value)) {
    throw appError(
      'BAD_USER_INPUT',
      `"${argument}" must be a serial number: 1 to 80 characters, no surrounding spaces.`,
      { argument },
    );
  }
  return value;
}

/**
 * A unit by serial number with its CRM asset looked up (batched): `asset` null when the CRM
 * holds none the caller may see. The serial is the one asked for (Salesforce matches it
 * case-insensitively), so a reference resolves to the key it was made with.
 */
export async function loadAsset(serialNumber: string, ctx: CrmContext): Promise<AssetModel> {
  return { serialNumber, asset: await ctx.loaders.assetBySerialNumber.load(serialNumber) };
}

async function assetOf(model: AssetModel | WarrantyModel, ctx: CrmContext): Promise<CrmAsset | null> {
  if (model.asset !== undefined) return model.asset;
  return ctx.loaders.assetBySerialNumber.load(model.serialNumber);
}

/** The warranty of a unit as of the context's today: its asset, then its entitlements, both batched. */
async function assessmentOf(model: WarrantyModel, ctx: CrmContext): Promise<WarrantyAssessment> {
  const asset = await assetOf(model, ctx);
  const entitlements = asset ? await ctx.loaders.entitlementsOfAsset.load(asset.id) : [];
  return assessWarranty(asset, entitlements, utcDay(ctx.now()));
}

export const Asset: AssetResolvers = {
  // Representations are JSON from the gateway: the key is not guaranteed to be a string.
  __resolveReference: (reference, ctx) =>
    isSerialNumber(reference.serialNumber) ? loadAsset(reference.serialNumber, ctx) : null,
  serialNumber: (a) => a.serialNumber,
  inCrm: async (a, _args, ctx) => (await assetOf(a, ctx)) !== null,
  id: async (a, _args, ctx) => (await assetOf(a, ctx))?.id ?? null,
  name: async (a, _args, ctx) => (await assetOf(a, ctx))?.name ?? null,
  status: async (a, _args, ctx) => (await assetOf(a, ctx))?.status ?? null,
  installDate: async (a, _args, ctx) => (await assetOf(a, ctx))?.installDate ?? null,
  purchaseDate: async (a, _args, ctx) => (await assetOf(a, ctx))?.purchaseDate ?? null,
  async customer(a, _args, ctx) {
    const account = (await assetOf(a, ctx))?.account;
    return account ? customerOf(account) : null;
  },
  async contact(a, _args, ctx) {
    const contactId = (await assetOf(a, ctx))?.contactId;
    return contactId ? ctx.loaders.contactById.load(contactId) : null;
  },
  warranty: ({ serialNumber, asset }) => ({ serialNumber, asset }),
  async supportCases(a, _args, ctx) {
    const asset = await assetOf(a, ctx);
    return asset ? ctx.loaders.supportCasesOfAsset.load(asset.id) : [];
  },
};

export const Warranty: WarrantyResolvers = {
  __resolveReference: (reference) =>
    isSerialNumber(reference.serialNumber) ? { serialNumber: reference.serialNumber } : null,
  serialNumber: (w) => w.serialNumber,
  eligible: async (w, _args, ctx) => (await assessmentOf(w, ctx)).eligible,
  ineligibleReason: async (w, _args, ctx) => (await assessmentOf(w, ctx)).reason,
  asOf: async (w, _args, ctx) => (await assessmentOf(w, ctx)).asOf,
  entitlementId: async (w, _args, ctx) => (await assessmentOf(w, ctx)).entitlement?.id ?? null,
  entitlementName: async (w, _args, ctx) => (await assessmentOf(w, ctx)).entitlement?.name ?? null,
  startDate: async (w, _args, ctx) => (await assessmentOf(w, ctx)).entitlement?.startDate ?? null,
  endDate: async (w, _args, ctx) => (await assessmentOf(w, ctx)).entitlement?.endDate ?? null,
  casesPerEntitlement: async (w, _args, ctx) =>
    (await assessmentOf(w, ctx)).entitlement?.casesPerEntitlement ?? null,
  remainingCases: async (w, _args, ctx) => (await assessmentOf(w, ctx)).entitlement?.remainingCases ?? null,
};
