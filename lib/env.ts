/**
 * Typed readers of environment variables, shared by every runnable's config.ts so that a
 * variable means and is refused the same way everywhere. A value that is unset, empty or only
 * white space counts as unset (the default applies); a malformed one is a {@link ConfigError}
 * naming the variable, which main.ts prints before exiting with code 2.
 */

export type Env = Record<string, string | undefined>;

/** A configuration variable is missing or malformed; the message starts with its name. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** The variable's value, trimmed; the fallback (or undefined) when it is unset or blank. */
export function text(env: Env, name: string): string | undefined;
export function text(env: Env, name: string, fallback: string): string;
export function text(env: Env, name: string, fallback?: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? fallback : value;
}

/** A whole number from min to max (both included). */
export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}; got '${raw}'`);
  }
  return Number(raw);
}

const ON = ['on', 'true', '1', 'yes'];
const OFF = ['off', 'false', '0', 'no'];

/** A switch: on/true/1/yes or off/false/0/no, in any case. */
export function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (ON.includes(raw.toLowerCase())) return true;
  if (OFF.includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `must be on or off; got '${raw}'`);
}

/** One of the allowed words, in any case; the allowed spelling is returned. */
export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const found = allowed.find((word) => word === raw.toLowerCase());
  if (found === undefined) throw new ConfigError(name, `must be one of ${allowed.join(', ')}; got '${raw}'`);
  return found;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** LOG_LEVEL: a pino level name, info by default. */
export function logLevel(env: Env): LogLevel {
  return oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info');
}

/** A value that must match `pattern`, described to the user as `what` (e.g. 'a GUID'). */
export function matching(env: Env, name: string, pattern: RegExp, what: string): string | undefined;
export function matching(env: Env, name: string, pattern: RegExp, what: string, fallback: string): string;
export function matching(
  env: Env,
  name: string,
  pattern: RegExp,
  what: string,
  fallback?: string,
): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!pattern.test(raw)) throw new ConfigError(name, `must be ${what}; got '${raw}'`);
  return raw;
}

export const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** An absolute http(s) URL, parsed. */
export function httpUrl(env: Env, name: string, fallback: string): URL {
  const raw = text(env, name, fallback);
  const parsed = URL.canParse(raw) ? new URL(raw) : undefined;
  if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:') {
    throw new ConfigError(name, `must be an absolute http(s) URL; got '${raw}'`);
  }
  return parsed;
}

/** A URL as the base a client appends its paths to: origin and path, no query, no trailing slash. */
export function serviceRoot(url: URL): string {
  return url.origin + url.pathname.replace(/\/$/, '');
}

/** A redis:// or rediss:// URL, when set. */
export function redisUrl(env: Env, name: string): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  const protocol = URL.canParse(raw) ? new URL(raw).protocol : '';
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new ConfigError(name, `must be a redis:// or rediss:// URL; got '${raw}'`);
  }
  return raw;
}
