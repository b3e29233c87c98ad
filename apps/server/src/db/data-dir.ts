import { closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirError extends Error {}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes an exclusive lock on DATA_DIR for this process. PGlite does not lock its data
 * directory: two processes opening it both "succeed" and one silently loses writes, so a
 * second process must be refused. A lock left by a dead process is taken over.
 * Returns a function that releases the lock.
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, 'parley.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeFileSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt(readFileSync(lockPath, 'utf8').trim(), 10);
      if (Number.isInteger(holder) && holder !== process.pid && processAlive(holder)) {
        throw new DataDirError(
          `DATA_DIR ${dir} is in use by process ${holder}: the embedded database allows one process; stop it or use another DATA_DIR (for several replicas set DATABASE_URL)`,
        );
      }
      try {
        unlinkSync(lockPath); // stale lock of a process that is gone
      } catch {
        /* someone else took it over first */
      }
    }
  }
  throw new DataDirError(`could not lock DATA_DIR ${dir}`);
}

/**
 * PGlite data directories are not compatible across its minor versions (0.5 cannot open 0.4's).
 * Record the version that created the directory and refuse a mismatch with a clear message.
 */
export function checkPgliteVersion(pgDir: string, version: string): void {
  const marker = join(pgDir, 'PARLEY_PGLITE_VERSION');
  const minor = version.split('.').slice(0, 2).join('.');
  if (!existsSync(marker)) {
    if (existsSync(join(pgDir, 'PG_VERSION'))) {
      throw new DataDirError(`${pgDir} holds a database of an unknown PGlite version; restore it with the version that wrote it, or move it away`);
    }
    return; // new directory: marked after creation
  }
  const recorded = readFileSync(marker, 'utf8').trim();
  const recordedMinor = recorded.split('.').slice(0, 2).join('.');
  if (recordedMinor !== minor) {
    throw new DataDirError(
      `${pgDir} was written by PGlite ${recorded}; this build has PGlite ${version}, which cannot open it. Export it with the older Parley (pg_dump via DATABASE_URL) or start from an empty DATA_DIR`,
    );
  }
}

export function markPgliteVersion(pgDir: string, version: string): void {
  writeFileSync(join(pgDir, 'PARLEY_PGLITE_VERSION'), `${version}\n`);
}
