import { parseArgs } from 'node:util';
import { openDevIssuer } from '../lib/auth/devIssuer.js';
import { ALL_SCOPES } from '../lib/auth/principal.js';

/**
 * `npm run token -- --sub alice --scopes customer:read,finance:read [--email alice@example.com]
 * [--expires 3600]`: prints a token of the development issuer (keys in .data/auth/, the ones
 * `npm start` serves), for curl and the README's first query. Development only: a deployment
 * takes its tokens from its own identity provider.
 */

const USAGE =
  'usage: npm run token -- --sub <subject> --scopes <scope,scope,...> [--email <crm username>] [--expires <seconds>]\n' +
  `scopes: ${ALL_SCOPES.join(', ')}\n`;

function fail(message: string): never {
  process.stderr.write(`token: ${message}\n${USAGE}`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        sub: { type: 'string' },
        scopes: { type: 'string' },
        email: { type: 'string' },
        expires: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
})();

if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (!values.sub?.trim()) fail('--sub is required (who the caller is)');
if (values.scopes === undefined) fail('--scopes is required (comma- or space-separated; may be empty: "")');
const scopes = values.scopes.split(/[\s,]+/).filter(Boolean);
const unknown = scopes.filter((scope) => !(ALL_SCOPES as readonly string[]).includes(scope));
if (unknown.length > 0) fail(`unknown scope(s): ${unknown.join(', ')}`);
const expires = values.expires === undefined ? 3600 : Number(values.expires);
if (!Number.isInteger(expires) || expires < 1 || expires > 7 * 24 * 3600) {
  fail(`--expires must be a whole number of seconds from 1 to ${7 * 24 * 3600}; got '${values.expires}'`);
}

const token = await openDevIssuer().mint({
  sub: values.sub.trim(),
  scopes,
  ...(values.email ? { email: values.email } : {}),
  expiresInS: expires,
});
process.stdout.write(`${token}\n`);
