/**
 * Child processes of the benchmark: each piece of the system under test runs in its own process
 * (so its memory and event loop are its own), logs to a file, and is stopped by its pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface Service {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<string>;
  isRunning(): boolean;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  cwd: string;
  logDir: string;
}

/** Every service still running, so an interrupted benchmark leaves none behind. */
const live = new Set<Service>();

/** Stops every service this process started that is still running. */
export async function stopAllServices(): Promise<void> {
  await Promise.all([...live].map((service) => service.stop()));
}

export function startService(options: StartOptions): Service {
  const logPath = join(options.logDir, `${options.name}.log`);
  const log = openSync(logPath, 'w');
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`${options.name}: could not start ${options.command}`);
  let running = true;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      live.delete(service);
      resolve(signal ?? String(code));
    });
  });
  const service: Service = {
    name: options.name,
    pid: child.pid,
    logPath,
    exited,
    isRunning: () => running,
    async stop() {
      if (!running) return;
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  live.add(service);
  return service;
}

/** A TypeScript entry point run by Node with tsx's loader, so the pid is the service itself. */
export function startTsService(
  options: Omit<StartOptions, 'command' | 'args'> & { script: string },
): Service {
  return startService({ ...options, command: process.execPath, args: ['--import', 'tsx', options.script] });
}

/** The last lines of a service's log, for error messages. */
export function logTail(service: Service, lines = 15): string {
  try {
    return readFileSync(service.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Polls until `probe` answers true; fails early, with the log's tail, when the service exits.
 */
/** A probe's answer that waiting will not change (e.g. credentials refused): waitUntil stops at once. */
export class ProbeRefused extends Error {}

export async function waitUntil(
  service: Service,
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!service.isRunning()) {
      throw new Error(`${service.name} exited before ${what}:\n${logTail(service)}`);
    }
    try {
      if (await probe()) return;
    } catch (error) {
      if (error instanceof ProbeRefused) throw new Error(`${service.name}: ${error.message}`);
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`${service.name}: ${what} not reached in ${timeoutMs} ms:\n${logTail(service)}`);
}

/** Peak resident set size (VmHWM) of a live process, in MiB; null when unreadable. */
export function peakRssMiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Resets a live process's peak resident set (VmHWM) to what it holds now (Linux: clear_refs 5),
 * so the next peakRssMiB is the peak since this call; false when it could not.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Refuses to start when a bench port is taken, naming it. */
export async function assertPortsFree(ports: readonly number[]): Promise<void> {
  for (const port of ports) {
    await new Promise<void>((resolve, reject) => {
      const server = createServer();
      server.once('error', () => reject(new Error(`port ${port} on 127.0.0.1 is in use (try --port-base)`)));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
    });
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
