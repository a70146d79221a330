/**
 * `--watch`: a change under the watched directories, once the files have been quiet for the
 * debounce time (an editor's save is often several writes, or a rename dance), starts a rolling
 * reload, the same one SIGHUP starts. A reload that fails (a syntax error in a half-saved file)
 * leaves the old workers serving and is not retried: the supervisor prints its error once, and
 * the next change tries again. So a broken file never causes a restart loop.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import type { Supervisor } from './supervisor.js';
import { TreeWatcher } from './tree-watcher.js';

export interface WatchOptions {
  /** Directories to watch (default: the app module's directory). */
  paths?: string[];
  /** Quiet time after the last change before reloading. Default 100 ms. */
  debounceMs?: number;
  /** Paths that change by themselves (the log file): never a reason to reload. */
  ignore?: string[];
}

/** The directories to watch, checked: each must exist and be a directory. */
export function watchPaths(app: string, paths: string[] | undefined): string[] {
  const dirs = paths?.length ? paths.map((p) => resolve(p)) : [dirname(resolve(app))];
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new UsageError(`--watch-path ${dir} is not a directory`);
  }
  return dirs;
}

/** Starts watching; returns the function that stops it. */
export function watchAndReload(supervisor: Supervisor, app: string, options: WatchOptions = {}): () => void {
  const debounceMs = options.debounceMs ?? 100;
  const ignore = (options.ignore ?? []).map((p) => resolve(p));
  const dirs = watchPaths(app, options.paths);
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let changed = '';

  const reload = async (): Promise<void> => {
    running = true;
    try {
      supervisor.log.event(`watch: ${changed} changed, reloading`);
      await supervisor.reload();
    } catch {
      // The supervisor logged why; the old workers keep serving.
      supervisor.log.event('watch: the previous version keeps serving; the next change reloads again');
    } finally {
      running = false;
    }
    // Files changed while the new workers were loading: they may have read the old version.
    if (again && !supervisor.stopping) {
      again = false;
      void reload();
    }
  };

  const watcher = new TreeWatcher(
    (path) => {
      if (supervisor.stopping) return;
      changed = relative(process.cwd(), path) || path;
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (running) again = true;
        else void reload();
      }, debounceMs);
    },
    (path) => ignore.some((p) => path === p || path.startsWith(`${p}.`)),
  );
  for (const dir of dirs) watcher.add(dir);
  supervisor.log.event(`watching ${dirs.join(', ')} (${watcher.size} directories) for changes`);
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
