import type { ConvertResult } from './convertQuoteToOrder.js';
import type { InteractionResult } from './logInteraction.js';
import type { OnboardingResult } from './onboarding.js';
import type { ChangeLinesResult, CreateOrderResult } from './orderEntry.js';
import type { ApprovalResult } from './quoteApprovals.js';
import type { SupportCaseResult } from './supportCases.js';
import type { AddressResult } from './updateCustomerAddress.js';
import type { ContactResult } from './upsertCustomerContact.js';

/**
 * The parent types the payload resolvers receive (codegen `mappers`): the workflows' results,
 * plus whether they were replayed from an earlier call with the same idempotency key.
 */
export type ConvertPayloadModel = ConvertResult & { replayed: boolean };
export type AddressPayloadModel = AddressResult;
export type ContactPayloadModel = ContactResult;
export type InteractionPayloadModel = InteractionResult & { replayed: boolean };
export type QuoteApprovalPayloadModel = ApprovalResult & { replayed: boolean };
export type CreateOrderPayloadModel = CreateOrderResult & { replayed: boolean };
export type ChangeLinesPayloadModel = ChangeLinesResult & { replayed: boolean };
export type SupportCasePayloadModel = SupportCaseResult & { replayed: boolean };
export type OnboardingPayloadModel = OnboardingResult & { replayed: boolean };
