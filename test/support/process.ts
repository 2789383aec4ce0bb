/**
 * Runs the service as a real process for tests: `tsx src/main.ts` (or another entry point) with a
 * given environment, on loopback, with its output captured.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

export interface ServiceProcess {
  child: ChildProcess;
  /** http://127.0.0.1:PORT, or an empty string for a process that serves no HTTP. */
  url: string;
  stdout(): string;
  stderr(): string;
  /** Resolves once the process has exited, with its exit code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** Sends `signal` to the process group, so tsx and the Node process it started both get it. */
  signalGroup(signal: NodeJS.Signals): void;
}

const running = new Set<ServiceProcess>();

/** Returns a TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `tsx <script>` in its own process group with only the given settings in its environment
 * (plus PATH, HOME and TMPDIR), so nothing from the test runner's environment leaks in.
 */
export function startProcess(script: string, env: Record<string, string>, port?: number): ServiceProcess {
  const child = spawn(TSX, [script], {
    cwd: ROOT,
    env: pickEnvironment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });

  const handle: ServiceProcess = {
    child,
    url: port === undefined ? '' : `http://127.0.0.1:${port}`,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    hasExited: () => done,
    signalGroup(signal) {
      if (done || child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    },
  };
  running.add(handle);
  void exited.then(() => running.delete(handle));
  return handle;
}

/** Starts `tsx src/main.ts` on a free port of 127.0.0.1. */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  return startProcess('src/main.ts', { ...env, PORT: String(port), HOST: '127.0.0.1' }, port);
}

/** Polls GET /health until it returns 200, and fails early with the process output if the process exits. */
export async function waitForHealth(service: ServiceProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (service.hasExited()) {
      const { code, signal } = await service.exited;
      throw new Error(`the service exited (code ${code}, signal ${signal}) before it was ready:\n${service.stdout()}\n${service.stderr()}`);
    }
    if (await isHealthy(service.url)) return;
    if (Date.now() > deadline) {
      throw new Error(`the service did not become ready within ${timeoutMs} ms:\n${service.stdout()}\n${service.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Returns whether GET /health returned 200 within a second. */
export async function isHealthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Waits for the process to exit, failing after `timeoutMs`. */
export async function waitForExit(service: ServiceProcess, timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the process did not exit within ${timeoutMs} ms:\n${service.stdout()}\n${service.stderr()}`)), timeoutMs);
  });
  try {
    return await Promise.race([service.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Kills (SIGKILL, whole process group) every process started here that still runs, and waits for each. */
export async function killAll(): Promise<void> {
  const processes = [...running];
  for (const service of processes) service.signalGroup('SIGKILL');
  await Promise.all(processes.map((service) => service.exited));
}

function pickEnvironment(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...settings };
}
