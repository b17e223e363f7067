import type { AddressPurpose } from '../__generated__/resolvers-types.js';
import type { CrmPostalAddress } from '../client/models.js';

/**
 * An address of the CRM's as the graph shows it: what it is for, and that the CRM holds it;
 * null when the CRM holds none (every part blank).
 */
export function crmAddress(purpose: AddressPurpose, address: CrmPostalAddress) {
  if (Object.values(address).every((v) => v === null || v === '')) return null;
  return { purpose, source: 'CRM' as const, ...address };
}
