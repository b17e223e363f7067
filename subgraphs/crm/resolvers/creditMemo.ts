import type { CreditMemoResolvers } from '../__generated__/resolvers-types.js';
import { CASE_NUMBER } from './supportCase.js';

/**
 * The CRM's side of an ERP credit memo: the support case it settles, the case whose number is
 * the memo's external document number (the gateway fetches that from the ERP: @requires). The
 * cases of a page of memos are one batched lookup by number; a number the CRM holds no case of
 * (or none the caller may see) answers null.
 */
export const CreditMemo: CreditMemoResolvers = {
  // Representations are JSON from the gateway: the fields are not guaranteed to be strings.
  __resolveReference(reference) {
    const { number, externalDocumentNumber } = reference as {
      number?: unknown;
      externalDocumentNumber?: unknown;
    };
    if (typeof number !== 'string') return null;
    return {
      number,
      externalDocumentNumber: typeof externalDocumentNumber === 'string' ? externalDocumentNumber : null,
    };
  },
  number: (memo) => memo.number,
  supportCase: (memo, _args, ctx) =>
    memo.externalDocumentNumber && CASE_NUMBER.test(memo.externalDocumentNumber)
      ? ctx.loaders.supportCaseByNumber.load(memo.externalDocumentNumber)
      : null,
};
