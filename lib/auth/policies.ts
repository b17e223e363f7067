import { type Principal, SCOPES } from './principal.js';

/**
 * The policies the schema may name in `@policy(policies: …)`: rules about the caller that a
 * scope alone cannot say, evaluated from the verified principal (never from the data, which the
 * gateway has not fetched yet when it decides). A name the schema uses and this table lacks
 * stops the gateway and the subgraphs at start (lib/auth/requirements.ts).
 */
export interface Policy {
  /** What it means, for the README and error messages' readers. */
  description: string;
  evaluate(principal: Principal): boolean;
}

export const POLICIES: Readonly<Record<string, Policy>> = {
  crm_owner_known: {
    description:
      'A caller limited to their own customers (sales:own without customer:read) must carry their CRM user: ' +
      'without it there is nobody to filter by, so customers are refused rather than shown unfiltered.',
    evaluate: (principal) => principal.scopes.has(SCOPES.customerRead) || principal.crmUser !== undefined,
  },
};
