import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { StartupError } from './errors.js';

/**
 * `--pid-file PATH`: the pid of the primary that serves. Written whole or not at all (a
 * temporary file beside it, then rename(2)), so a reader never sees a half-written or empty
 * file, and during an upgrade it names the old primary until the new one takes over.
 */
export function writePidFile(path: string, pid = process.pid): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${pid}\n`);
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // never written
    }
    throw new StartupError(`--pid-file ${path}: ${(err as Error).message}`, err);
  }
}

/** The pid the file holds, or undefined (missing, unreadable, not a pid). */
export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the file at exit, only if it still names this process (not a successor that took over). */
export function removePidFile(path: string, pid = process.pid): void {
  if (readPidFile(path) !== pid) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
