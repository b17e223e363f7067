import { describe, expect, it } from 'vitest';
import { Deadline } from '../../lib/deadline.js';
import { ConfigError } from '../../lib/env.js';
import { LegacyError, legacyFailure } from '../../lib/errors.js';
import {
  type AttemptResult,
  isBreakerFailure,
  LegacyResilience,
  readResilienceConfig,
} from '../../lib/legacyResilience.js';

const ok: AttemptResult = { ok: true };
const failed = (code: LegacyError['code']): AttemptResult => ({
  ok: false,
  error: legacyFailure('ERP', code, 'customers'),
});

async function refusal(promise: Promise<unknown>): Promise<LegacyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LegacyError);
  return error as LegacyError;
}

describe('which failures count against the system', () => {
  it('down, slow and garbled count; answers about the request, credentials and throttling do not', () => {
    for (const code of ['LEGACY_UNAVAILABLE', 'LEGACY_TIMEOUT', 'LEGACY_BAD_RESPONSE'] as const) {
      expect(isBreakerFailure(legacyFailure('ERP', code, 'x'))).toBe(true);
    }
    for (const code of [
      'LEGACY_REJECTED',
      'NOT_FOUND',
      'CONFLICT',
      'LEGACY_AUTH_FAILED',
      'LEGACY_THROTTLED',
    ] as const) {
      expect(isBreakerFailure(legacyFailure('ERP', code, 'x'))).toBe(false);
    }
  });
});

describe('LegacyResilience breaker', () => {
  it('opens after N consecutive failures, then refuses without calling: LEGACY_UNAVAILABLE, CIRCUIT_OPEN, the system named', async () => {
    const resilience = new LegacyResilience('ERP', 5, { breakerFailures: 3, breakerHalfOpenMs: 60_000 });
    let calls = 0;
    const failing = () => {
      calls += 1;
      return Promise.resolve(failed('LEGACY_UNAVAILABLE'));
    };
    for (let i = 0; i < 3; i++) await resilience.run('customers', undefined, failing);
    expect(calls).toBe(3);
    expect(resilience.breakerState).toBe('open');
    const error = await refusal(resilience.run('customers', undefined, failing));
    expect(calls).toBe(3);
    expect(error.code).toBe('LEGACY_UNAVAILABLE');
    expect(error.reason).toBe('CIRCUIT_OPEN');
    expect(error.toGraphQLError().extensions).toMatchObject({
      code: 'LEGACY_UNAVAILABLE',
      system: 'ERP',
      reason: 'CIRCUIT_OPEN',
    });
    expect(resilience.refusedOpen).toBe(1);
  });

  it('a success or a non-counting failure between failures keeps it closed', async () => {
    const resilience = new LegacyResilience('CRM', 5, { breakerFailures: 2, breakerHalfOpenMs: 60_000 });
    const results = [
      failed('LEGACY_TIMEOUT'),
      ok,
      failed('LEGACY_TIMEOUT'),
      failed('NOT_FOUND'),
      failed('LEGACY_TIMEOUT'),
    ];
    for (const result of results) await resilience.run('accounts', undefined, () => Promise.resolve(result));
    expect(resilience.breakerState).toBe('closed');
  });

  it('after the pause, one trial call: its success closes the breaker, its failure opens it again', async () => {
    const resilience = new LegacyResilience('ERP', 5, { breakerFailures: 1, breakerHalfOpenMs: 60 });
    await resilience.run('x', undefined, () => Promise.resolve(failed('LEGACY_UNAVAILABLE')));
    expect(resilience.breakerState).toBe('open');
    await new Promise((resolve) => setTimeout(resolve, 120));
    let trials = 0;
    await resilience.run('x', undefined, () => {
      trials += 1;
      return Promise.resolve(failed('LEGACY_UNAVAILABLE'));
    });
    expect(trials).toBe(1);
    expect(resilience.breakerState).toBe('open');
    await refusal(resilience.run('x', undefined, () => Promise.resolve(ok)));
    await new Promise((resolve) => setTimeout(resolve, 120));
    // The trial runs alone: a call arriving meanwhile waits for its outcome, then goes through.
    const states: string[] = [];
    let release: () => void = () => undefined;
    const trial = resilience.run('x', undefined, () => {
      trials += 1;
      return new Promise<AttemptResult>((resolve) => {
        release = () => resolve(ok);
      });
    });
    const follower = resilience.run('x', undefined, () => {
      states.push(resilience.breakerState);
      return Promise.resolve(ok);
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    states.push(resilience.breakerState);
    release();
    await Promise.all([trial, follower]);
    expect(trials).toBe(2);
    expect(states).toEqual(['half-open', 'closed']);
    expect(resilience.breakerState).toBe('closed');
  });

  it('logs once per change of state, naming the system: warn on open, info on half-open and close', async () => {
    const lines: { level: string; system: unknown; state: unknown }[] = [];
    const logger = {
      warn: (o: { system: unknown; state: unknown }) => lines.push({ level: 'warn', ...o }),
      info: (o: { system: unknown; state: unknown }) => lines.push({ level: 'info', ...o }),
    } as unknown as import('../../lib/logger.js').Logger;
    const resilience = new LegacyResilience('CRM', 5, { breakerFailures: 2, breakerHalfOpenMs: 60, logger });
    for (let i = 0; i < 4; i++) {
      await resilience
        .run('x', undefined, () => Promise.resolve(failed('LEGACY_UNAVAILABLE')))
        .catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 120));
    await resilience.run('x', undefined, () => Promise.resolve(ok));
    expect(lines.map(({ level, system, state }) => [level, system, state])).toEqual([
      ['warn', 'CRM', 'open'],
      ['info', 'CRM', 'half-open'],
      ['info', 'CRM', 'closed'],
    ]);
  });
});

describe('LegacyResilience bulkhead', () => {
  it('runs maxConnections at once, queues maxQueued, refuses the next with LEGACY_THROTTLED, QUEUE_FULL', async () => {
    const resilience = new LegacyResilience('ERP', 2, { maxQueued: 1 });
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const attempt = () => {
      running += 1;
      most = Math.max(most, running);
      return new Promise<AttemptResult>((resolve) => {
        releases.push(() => {
          running -= 1;
          resolve(ok);
        });
      });
    };
    const calls = [1, 2, 3].map(() => resilience.run('x', undefined, attempt));
    const error = await refusal(resilience.run('x', undefined, attempt));
    expect(error.code).toBe('LEGACY_THROTTLED');
    expect(error.reason).toBe('QUEUE_FULL');
    expect(releases).toHaveLength(2);
    releases.shift()!();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(releases).toHaveLength(2);
    while (releases.length > 0) releases.shift()!();
    await Promise.all(calls);
    expect(most).toBe(2);
    expect(resilience.refusedQueueFull).toBe(1);
  });

  it('a queued call leaves with LEGACY_TIMEOUT when its deadline passes, and its turn makes no call', async () => {
    const resilience = new LegacyResilience('ERP', 1, { maxQueued: 5 });
    const started: string[] = [];
    let release: () => void = () => undefined;
    const busy = resilience.run('busy', undefined, () => {
      started.push('busy');
      return new Promise<AttemptResult>((resolve) => {
        release = () => resolve(ok);
      });
    });
    const waiting = resilience.run('waiting', Deadline.after(60), () => {
      started.push('waiting');
      return Promise.resolve(ok);
    });
    const error = await refusal(waiting);
    expect(error.code).toBe('LEGACY_TIMEOUT');
    expect(error.system).toBe('ERP');
    const next = resilience.run('next', undefined, () => {
      started.push('next');
      return Promise.resolve(ok);
    });
    release();
    await Promise.all([busy, next]);
    expect(started).toEqual(['busy', 'next']);
    // Waiting for a connection is not the system's failure.
    expect(resilience.breakerState).toBe('closed');
  });
});

describe('readResilienceConfig', () => {
  it('reads each system under its own prefix, with defaults, and names a bad variable', () => {
    expect(readResilienceConfig({}, 'ERP')).toEqual({
      breakerFailures: 5,
      breakerHalfOpenMs: 5000,
      maxQueued: 100,
    });
    expect(
      readResilienceConfig(
        { CRM_BREAKER_FAILURES: '3', CRM_BREAKER_HALF_OPEN_MS: '250', CRM_MAX_QUEUED: '0' },
        'CRM',
      ),
    ).toEqual({ breakerFailures: 3, breakerHalfOpenMs: 250, maxQueued: 0 });
    expect(() => readResilienceConfig({ ERP_BREAKER_FAILURES: 'many' }, 'ERP')).toThrow(ConfigError);
    expect(() => readResilienceConfig({ ERP_BREAKER_FAILURES: 'many' }, 'ERP')).toThrow(
      /ERP_BREAKER_FAILURES/,
    );
  });
});
