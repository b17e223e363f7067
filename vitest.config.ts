import { defineConfig } from 'vitest/config';

// Unit tests touch no network and no process; integration tests start real HTTP servers on
// loopback (port 0) and may use the local Redis/PostgreSQL.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Stand-ins and subgraphs are real servers; files run in parallel processes but a
          // file's tests run in order so call counters are not shared.
          pool: 'forks',
        },
      },
    ],
  },
});
