import type { ConvertResult } from '../convertQuoteToOrder.js';
import type { AddressResult, ContactResult, InteractionResult } from '../customerChanges.js';

/** What the payload resolvers receive: the workflows' results, plus whether they were replayed. */
export type ConvertPayloadModel = ConvertResult & { replayed: boolean };
export type AddressPayloadModel = AddressResult;
export type ContactPayloadModel = ContactResult;
export type InteractionPayloadModel = InteractionResult & { replayed: boolean };
