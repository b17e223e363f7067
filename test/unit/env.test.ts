import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  flag,
  GUID_PATTERN,
  httpUrl,
  integer,
  logLevel,
  matching,
  oneOf,
  redisUrl,
  serviceRoot,
  text,
} from '../../lib/env.js';

function refusal(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('environment readers', () => {
  it('treat unset, empty and blank values as unset, and trim the others', () => {
    expect(text({}, 'A')).toBeUndefined();
    expect(text({ A: '' }, 'A', 'fallback')).toBe('fallback');
    expect(text({ A: '  ' }, 'A', 'fallback')).toBe('fallback');
    expect(text({ A: ' value ' }, 'A', 'fallback')).toBe('value');
    expect(integer({ N: ' ' }, 'N', 7, 0, 10)).toBe(7);
    expect(flag({ F: '' }, 'F', true)).toBe(true);
  });

  it('read integers within their range and refuse the rest naming the variable', () => {
    expect(integer({ N: '10' }, 'N', 7, 0, 10)).toBe(10);
    expect(integer({ N: '0' }, 'N', 7, 0, 10)).toBe(0);
    for (const bad of ['11', '-1', '1.5', 'ten', '1e3']) {
      const error = refusal(() => integer({ N: bad }, 'N', 7, 0, 10));
      expect(error.variable).toBe('N');
      expect(error.message).toBe(`N: must be an integer from 0 to 10; got '${bad}'`);
    }
  });

  it('read switches in any case', () => {
    for (const on of ['on', 'TRUE', '1', 'yes']) expect(flag({ F: on }, 'F', false)).toBe(true);
    for (const off of ['Off', 'false', '0', 'no']) expect(flag({ F: off }, 'F', true)).toBe(false);
    expect(refusal(() => flag({ F: 'maybe' }, 'F', true)).message).toBe("F: must be on or off; got 'maybe'");
  });

  it('read one of a list of words, LOG_LEVEL among them', () => {
    expect(oneOf({ M: 'Redis' }, 'M', ['memory', 'redis'], 'memory')).toBe('redis');
    expect(oneOf({}, 'M', ['memory', 'redis'], 'memory')).toBe('memory');
    expect(refusal(() => oneOf({ M: 'disk' }, 'M', ['memory', 'redis'], 'memory')).message).toBe(
      "M: must be one of memory, redis; got 'disk'",
    );
    expect(logLevel({})).toBe('info');
    expect(logLevel({ LOG_LEVEL: 'debug' })).toBe('debug');
    expect(refusal(() => logLevel({ LOG_LEVEL: 'loud' })).variable).toBe('LOG_LEVEL');
  });

  it('read values of a given form', () => {
    const guid = '0F8FAD5B-D9CB-469F-A165-70867728950E';
    expect(matching({ ID: guid }, 'ID', GUID_PATTERN, 'a GUID')).toBe(guid);
    expect(matching({}, 'ID', GUID_PATTERN, 'a GUID')).toBeUndefined();
    expect(refusal(() => matching({ ID: 'acme' }, 'ID', GUID_PATTERN, 'a GUID')).message).toBe(
      "ID: must be a GUID; got 'acme'",
    );
  });

  it('read http(s) and redis URLs', () => {
    const url = httpUrl({ U: 'HTTPS://Example.com/tenant/?x=1' }, 'U', 'http://127.0.0.1:1');
    expect(url.href).toBe('https://example.com/tenant/?x=1');
    expect(serviceRoot(url)).toBe('https://example.com/tenant');
    expect(serviceRoot(httpUrl({}, 'U', 'http://127.0.0.1:4101'))).toBe('http://127.0.0.1:4101');
    for (const bad of ['not a url', 'ftp://example.com', '/relative']) {
      const error = refusal(() => httpUrl({ U: bad }, 'U', 'http://127.0.0.1:1'));
      expect(error.message).toBe(`U: must be an absolute http(s) URL; got '${bad}'`);
    }
    expect(redisUrl({ R: 'rediss://cache:6380/1' }, 'R')).toBe('rediss://cache:6380/1');
    expect(redisUrl({}, 'R')).toBeUndefined();
    expect(refusal(() => redisUrl({ R: 'http://cache:6379' }, 'R')).variable).toBe('R');
  });
});
