import { describe, expect, it } from 'vitest';
import { seededRandom, sequentialDepth } from '../../legacy/sim/simulator.js';

// The simulator's pure parts; what it does to requests is tested over HTTP in
// test/integration/legacy-sim.test.ts.
describe('simulator', () => {
  it('sequentialDepth chains only intervals that do not overlap', () => {
    expect(sequentialDepth([])).toBe(0);
    expect(
      sequentialDepth([
        { start: 0, end: 10 },
        { start: 5, end: 15 },
        { start: 10, end: 20 },
        { start: 15, end: 30 },
        { start: 30, end: 31 },
      ]),
    ).toBe(3);
    expect(
      sequentialDepth([
        { start: 0, end: Number.POSITIVE_INFINITY },
        { start: 1, end: 2 },
      ]),
    ).toBe(1);
  });

  it('seededRandom is deterministic and in [0, 1)', () => {
    const a = seededRandom(3);
    const b = seededRandom(3);
    const values = Array.from({ length: 100 }, () => a());
    expect(values).toEqual(Array.from({ length: 100 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});
