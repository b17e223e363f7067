import { runStandIns } from '../main.js';

/** The Salesforce stand-in alone (`npm run start:crm-legacy`); variables in legacy/README.md. */
await runStandIns('crm-legacy', { erp: false, crm: true });
