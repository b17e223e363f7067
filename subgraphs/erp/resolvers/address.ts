import type { AddressPurpose } from '../__generated__/resolvers-types.js';
import type { ErpAddress } from '../client/models.js';

/** An address of the ERP's as the graph shows it: what it is for, and that the ERP holds it. */
export function erpAddress(purpose: AddressPurpose, address: ErpAddress) {
  return { purpose, source: 'ERP' as const, ...address };
}
