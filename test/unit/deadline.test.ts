import { describe, expect, it } from 'vitest';
import {
  currentDeadline,
  Deadline,
  operationScope,
  outsideOperation,
  parseDeadlineHeader,
  withDeadlineShare,
} from '../../lib/deadline.js';

describe('Deadline', () => {
  it('counts whole milliseconds down from its start on the clock it is given, never below zero', () => {
    const deadline = Deadline.after(100, 1000);
    expect(deadline.remainingMs(1000)).toBe(100);
    expect(deadline.remainingMs(1040.6)).toBe(59);
    expect(deadline.remainingMs(1100)).toBe(0);
    expect(deadline.remainingMs(5000)).toBe(0);
  });

  it('a spent, negative or NaN budget is expired at once', () => {
    expect(Deadline.after(0).expired).toBe(true);
    expect(Deadline.after(-5).expired).toBe(true);
    expect(Deadline.after(Number.NaN).expired).toBe(true);
    expect(Deadline.after(60_000).expired).toBe(false);
  });
});

describe('operationScope', () => {
  it('carries the deadline through awaits and timers to code that never received it', async () => {
    const deadline = Deadline.after(60_000);
    const seen: (Deadline | undefined)[] = [];
    await operationScope.run({ deadline }, async () => {
      seen.push(currentDeadline());
      await Promise.resolve();
      seen.push(currentDeadline());
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          seen.push(currentDeadline());
          resolve();
        }, 0),
      );
      // Background work leaves the scope: nobody waits for it.
      seen.push(outsideOperation(() => currentDeadline()));
    });
    seen.push(currentDeadline());
    expect(seen).toEqual([deadline, deadline, deadline, undefined, undefined]);
  });
});

describe('withDeadlineShare', () => {
  it('gives the work a part of what is left, and the rest back after it; nothing to share outside an operation', () => {
    const deadline = Deadline.after(10_000);
    operationScope.run({ deadline }, () => {
      const part = withDeadlineShare(0.5, () => currentDeadline()!);
      expect(part.remainingMs()).toBeLessThanOrEqual(5000);
      expect(part.remainingMs()).toBeGreaterThan(4000);
      expect(currentDeadline()).toBe(deadline);
    });
    expect(withDeadlineShare(0.5, () => currentDeadline())).toBeUndefined();
  });
});

describe('parseDeadlineHeader', () => {
  it('reads a whole number of milliseconds, zero included, and nothing else', () => {
    expect(parseDeadlineHeader('1500')).toBe(1500);
    expect(parseDeadlineHeader(' 0 ')).toBe(0);
    expect(parseDeadlineHeader(['250', '999'])).toBe(250);
    for (const bad of [undefined, '', '-1', '1.5', '1e3', 'soon', '9999999999']) {
      expect(parseDeadlineHeader(bad)).toBeUndefined();
    }
  });
});
