import { readFileSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

const LOCK_FILE = 'voice-billing.lock';

export class DirectoryLockedError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `The data directory ${dataDir} is in use by process ${pid}. ` +
        'Stop that process, or set DATA_DIR to another directory, or use DATABASE_URL for a PostgreSQL server shared by several processes.',
    );
    this.name = 'DirectoryLockedError';
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM means the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/** Detects a zombie: a killed process that its parent has not reaped still passes kill(pid, 0) but owns nothing. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name, which is in parentheses and may itself contain spaces.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

/**
 * Takes the lock file of a PGlite data directory, which allows one process only.
 * A lock left by a process that no longer runs (killed with SIGKILL, say) is taken over.
 */
export async function acquireDirectoryLock(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = path.join(dataDir, LOCK_FILE);

  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await rm(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }

    const owner = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
    // NOTE: a stale lock whose PID now belongs to an unrelated process still counts as taken.
    if (Number.isInteger(owner) && isRunning(owner)) {
      throw new DirectoryLockedError(dataDir, owner);
    }
    await rm(lockPath, { force: true });
  }

  throw new Error(`Could not take the lock file ${lockPath}; remove it if no voice-billing process uses ${dataDir}.`);
}
