/**
 * Child processes of the benchmark: each piece of the system under test runs in its own process
 * (so its memory and event loop are its own), logs to a file, and is stopped by its pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';

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

/** A live process's resident set (VmRSS) or its peak (VmHWM), in MiB; null when unreadable. */
function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Peak resident set size (VmHWM) of a live process, in MiB; null when unreadable. */
export const peakRssMiB = (pid: number) => statusMiB(pid, 'VmHWM');
/** Resident set size (VmRSS) of a live process now, in MiB; null when unreadable. */
export const rssMiB = (pid: number) => statusMiB(pid, 'VmRSS');

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

/**
 * A bench script in a process of its own, given one job at a time: a JSON line on its stdin,
 * answered by one JSON line (the report) on its stdout (serveJobs is the script's side).
 */
export interface JobProcess<Job, Report> {
  run(job: Job): Promise<Report>;
  close(): Promise<void>;
}

export function startJobProcess<Job, Report>(options: {
  /** The script, relative to `cwd`; its name (without .ts) names it in errors. */
  script: string;
  cwd: string;
  /** Node's flags before tsx's loader (e.g. --expose-gc). */
  nodeFlags?: readonly string[];
  /** How long a job may take before the process is killed (its run then fails); none: no limit. */
  killAfterMs?: (job: Job) => number;
}): JobProcess<Job, Report> {
  const name = basename(options.script, '.ts');
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', options.script], {
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
  const waiting: { resolve: (report: Report) => void; reject: (error: Error) => void }[] = [];
  lines.on('line', (line) => {
    const next = waiting.shift();
    try {
      next?.resolve(JSON.parse(line) as Report);
    } catch (error) {
      next?.reject(error as Error);
    }
  });
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', (code) => {
      for (const next of waiting.splice(0)) next.reject(new Error(`${name} exited with ${code}`));
      resolveExit();
    });
  });
  return {
    run(job) {
      return new Promise<Report>((resolveReport, reject) => {
        const killer = options.killAfterMs
          ? setTimeout(() => child.kill('SIGKILL'), options.killAfterMs(job))
          : undefined;
        waiting.push({
          resolve: (report) => {
            clearTimeout(killer);
            resolveReport(report);
          },
          reject: (error) => {
            clearTimeout(killer);
            reject(error);
          },
        });
        child.stdin.write(`${JSON.stringify(job)}\n`);
      });
    },
    async close() {
      child.stdin.end();
      await exited;
    },
  };
}

/**
 * The script's side of startJobProcess: each job line on stdin run in turn, its report written
 * as one line on stdout, until stdin closes; a failure ends the process with code 1.
 */
export function serveJobs<Job, Report>(name: string, run: (job: Job) => Promise<Report>): void {
  const serve = async () => {
    const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      const report = await run(JSON.parse(line) as Job);
      process.stdout.write(`${JSON.stringify(report)}\n`);
    }
  };
  serve().catch((error: unknown) => {
    process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
