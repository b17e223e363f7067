import { runStandIns } from '../main.js';

/** The Business Central stand-in alone (`npm run start:erp-legacy`); variables in legacy/README.md. */
await runStandIns('erp-legacy', { erp: true, crm: false });
