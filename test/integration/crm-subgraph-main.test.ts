import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../subgraphs/crm/main.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

function run(env: Record<string, string>, onStdout?: (text: string, stop: () => void) => void) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(TSX, [MAIN], {
      env: { ...process.env, SHUTDOWN_DRAIN_MS: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout, () => child.kill('SIGTERM'));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run start:crm (subgraphs/crm/main.ts)', () => {
  it('exits 2 naming the variable when the configuration is bad', async () => {
    const result = await run({ CRM_TIMEOUT_MS: 'soon' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('CRM_TIMEOUT_MS');
  });

  it('exits 2 naming CRM_SUBGRAPH_PORT when the port is taken', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const result = await run({ CRM_SUBGRAPH_PORT: String(port) });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`CRM_SUBGRAPH_PORT ${port} on 127.0.0.1 is already in use`);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('listens, answers /health, and exits 0 on SIGTERM', async () => {
    let health: unknown;
    let checking = false;
    const result = await run({ CRM_SUBGRAPH_PORT: '0', LOG_LEVEL: 'info' }, (text, stop) => {
      const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(text);
      if (!match || checking) return;
      checking = true;
      fetch(`${match[1]}/health`)
        .then((response) => response.json())
        .then((body) => {
          health = body;
        })
        .finally(stop);
    });
    expect(health).toEqual({ status: 'ok' });
    expect(result.code).toBe(0);
  });
});
