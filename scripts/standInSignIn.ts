import { type ConnectedApp, CRM_DEV_APP } from '../legacy/crm/oauth.js';
import { type EntraApp, ERP_DEV_APP } from '../legacy/erp/entra.js';
import type { RunningStandIns, StandInsConfig } from '../legacy/main.js';
import { type Env, text } from '../lib/env.js';
import { Secret } from '../lib/legacyCredentials.js';
import type { CrmCredentialsConfig } from '../subgraphs/crm/client/credentials.js';
import { BUSINESS_CENTRAL_SCOPE, type ErpCredentialsConfig } from '../subgraphs/erp/client/credentials.js';

/**
 * How the subgraphs sign in to the stand-ins `npm start` (and the test stack) runs: through the
 * same OAuth flows as to the real systems — Entra client credentials for the ERP, Salesforce
 * client credentials (or the configured JWT bearer user) for the CRM — against the stand-ins'
 * token endpoints, with the app the stand-in was started with. A fixed ERP_TOKEN / CRM_TOKEN, or
 * a token endpoint named explicitly (ERP_TOKEN_URL / CRM_LOGIN_URL), is left as configured.
 */

/** Entra client credentials against the ERP stand-in's token endpoint. */
export function erpStandInCredentials(
  standInUrl: string,
  app: EntraApp = ERP_DEV_APP,
  scope: string = BUSINESS_CENTRAL_SCOPE,
): ErpCredentialsConfig {
  return {
    flow: 'clientCredentials',
    tokenUrl: `${standInUrl}/${encodeURIComponent(app.tenantId)}/oauth2/v2.0/token`,
    clientId: app.clientId,
    clientSecret: new Secret(app.clientSecret),
    scope,
  };
}

/** Salesforce client credentials against the CRM stand-in's token endpoint. */
export function crmStandInCredentials(
  standInUrl: string,
  app: Pick<ConnectedApp, 'clientId' | 'clientSecret'> = CRM_DEV_APP,
): CrmCredentialsConfig {
  return {
    flow: 'clientCredentials',
    app: { loginUrl: standInUrl, clientId: app.clientId, clientSecret: new Secret(app.clientSecret) },
  };
}

/** The credentials each subgraph config gets when a stand-in runs (spread into the configs). */
export function standInSignIn(
  env: Env,
  standIns: StandInsConfig,
  running: RunningStandIns | undefined,
  configured: { crm: CrmCredentialsConfig },
): { erp: { erpCredentials?: ErpCredentialsConfig }; crm: { crmCredentials?: CrmCredentialsConfig } } {
  const erp =
    running?.erpUrl &&
    standIns.erp &&
    text(env, 'ERP_TOKEN') === undefined &&
    text(env, 'ERP_TOKEN_URL') === undefined
      ? erpStandInCredentials(
          running.erpUrl,
          standIns.erp.entra,
          text(env, 'ERP_TOKEN_SCOPE', BUSINESS_CENTRAL_SCOPE),
        )
      : undefined;
  let crm: CrmCredentialsConfig | undefined;
  if (
    running?.crmUrl &&
    standIns.crm &&
    text(env, 'CRM_TOKEN') === undefined &&
    text(env, 'CRM_LOGIN_URL') === undefined
  ) {
    const wanted = configured.crm;
    crm =
      wanted.flow === 'jwtBearer'
        ? { ...wanted, app: { ...wanted.app, loginUrl: running.crmUrl } }
        : crmStandInCredentials(running.crmUrl, standIns.crm.connectedApp);
    if (wanted.flow === 'clientCredentials' && wanted.app.privateKey && crm.flow === 'clientCredentials')
      crm = { ...crm, app: { ...crm.app, privateKey: wanted.app.privateKey } };
  }
  return { erp: erp ? { erpCredentials: erp } : {}, crm: crm ? { crmCredentials: crm } : {} };
}
