/**
 * CPU accounting for the benchmark, from Linux's /proc: how much CPU time the server, the
 * PostgreSQL processes, the bench process itself and everything else used during a run. On a
 * small shared machine this distinguishes a slow server from a busy machine.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

function clockTicksPerSecond(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    if (Number.isInteger(ticks) && ticks > 0) return ticks;
  } catch {
    // getconf is missing; Linux reports USER_HZ = 100 on every common architecture.
  }
  return 100;
}

const MS_PER_TICK = 1000 / clockTicksPerSecond();

export interface CpuSnapshot {
  atMs: number;
  /** Busy time of all cores together (user, nice, system, irq, softirq, steal), in ms. */
  machineBusyMs: number;
  serverMs: number;
  /** CPU time of each PostgreSQL process by pid, in ms. */
  postgresMs: ReadonlyMap<string, number>;
  benchMs: number;
}

export interface CpuUsage {
  wallMs: number;
  serverMs: number;
  postgresMs: number;
  benchMs: number;
  /** Busy time of every other process on the machine, such as other people's test runs. */
  otherMs: number;
}

function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [, user, nice, system, _idle, _iowait, irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * MS_PER_TICK;
}

/** Returns the command name and user plus system CPU time of a process in ms, or undefined once it is gone. */
function processCpu(pid: number | string): { command: string; cpuMs: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself contain spaces or parentheses.
  const command = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of /proc/<pid>/stat (utime, stime) are the 12th and 13th after the name.
  return { command, cpuMs: (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK };
}

function postgresCpuMs(): Map<string, number> {
  const byPid = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cpu = processCpu(entry);
    if (cpu?.command === 'postgres') byPid.set(entry, cpu.cpuMs);
  }
  return byPid;
}

/** Takes a snapshot of CPU time used so far by the machine, a server process, PostgreSQL and this process. */
export function takeCpuSnapshot(serverPid: number): CpuSnapshot {
  const ownUsage = process.cpuUsage();
  return {
    atMs: performance.now(),
    machineBusyMs: machineBusyMs(),
    serverMs: processCpu(serverPid)?.cpuMs ?? 0,
    postgresMs: postgresCpuMs(),
    benchMs: (ownUsage.user + ownUsage.system) / 1000,
  };
}

/**
 * Returns the CPU time used between two snapshots. PostgreSQL's time is summed per process, so
 * a backend that started in between counts from its start.
 * NOTE: a backend that exited in between (a connection pool closing an idle connection) drops
 * out, and its CPU time in between counts as other processes' time.
 */
export function cpuUsedBetween(before: CpuSnapshot, after: CpuSnapshot): CpuUsage {
  const serverMs = after.serverMs - before.serverMs;
  let postgresMs = 0;
  for (const [pid, cpuMs] of after.postgresMs) {
    const earlierMs = before.postgresMs.get(pid) ?? 0;
    // Less time than before means that the pid was reused by a new backend after the old one exited.
    postgresMs += cpuMs >= earlierMs ? cpuMs - earlierMs : cpuMs;
  }
  const benchMs = after.benchMs - before.benchMs;
  const machineMs = after.machineBusyMs - before.machineBusyMs;
  return {
    wallMs: after.atMs - before.atMs,
    serverMs,
    postgresMs,
    benchMs,
    otherMs: Math.max(0, machineMs - serverMs - postgresMs - benchMs),
  };
}
