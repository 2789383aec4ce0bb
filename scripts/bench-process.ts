/**
 * Server child processes for the benchmark: each server runs in its own Node process, so that
 * the load generator in the parent never shares an event loop with it. The parent samples the
 * child's resident memory from /proc/<pid>/status (Linux only).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const RSS_SAMPLE_INTERVAL_MS = 200;
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
const OUTPUT_LIMIT_CHARS = 16_000;

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
  /** Largest VmRSS seen since start or the last resetPeakRss(), in MiB. */
  peakRssMb(): number;
  resetPeakRss(): void;
  /** The last lines the child wrote to stdout and stderr. */
  output(): string;
  /** Sends SIGTERM and waits for the exit; SIGKILL follows if the child is still running after 30 s. */
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  /** TypeScript entry point, run through tsx's loader. */
  script: string;
  env: Record<string, string>;
  /** Directory for a V8 CPU profile (node --cpu-prof), written when the child exits. */
  cpuProfileDir?: string | undefined;
}

const running = new Set<ChildProcess>();
// A bench that crashes must not leave servers behind.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Reads the resident set size of a process in MiB, or undefined once the process is gone. */
export function readRssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a server child on a free loopback port and resolves once its GET /health returns 200. */
export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const port = await findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const nodeArguments = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  // node --import tsx runs the TypeScript in this one process. The tsx command would start a
  // wrapper process in between, whose RSS is not the server's.
  const child = spawn(process.execPath, [...nodeArguments, '--import', 'tsx', options.script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', PORT: String(port), HOST: '127.0.0.1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${options.name}: the server process could not be started`);
  const pid = child.pid;
  running.add(child);

  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
  });

  let peakRssMb = 0;
  const sampler = setInterval(() => {
    const rss = readRssMb(pid);
    if (rss !== undefined) peakRssMb = Math.max(peakRssMb, rss);
  }, RSS_SAMPLE_INTERVAL_MS);
  sampler.unref();

  const server: ServerProcess = {
    name: options.name,
    pid,
    url,
    peakRssMb: () => peakRssMb,
    resetPeakRss() {
      peakRssMb = readRssMb(pid) ?? 0;
    },
    output: () => output,
    async stop() {
      clearInterval(sampler);
      if (!running.has(child)) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  for (;;) {
    if (exitCode !== undefined) {
      clearInterval(sampler);
      throw new Error(`${options.name} exited with code ${exitCode} before it was ready. Its output:\n${output}`);
    }
    try {
      const response = await fetch(`${url}/health`);
      await response.arrayBuffer();
      if (response.ok) return server;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${options.name} was not ready after ${READY_TIMEOUT_MS / 1000} s. Its output:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
