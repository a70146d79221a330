/**
 * Watches directory trees for changes with one non-recursive fs.watch (one inotify watch on
 * Linux) per directory, skipping node_modules, .git and dotfiles. Node's own `recursive: true`
 * on Linux puts a watch on every file as well (10,101 watches for a tree of 100 directories of
 * 100 files, against the default fs.inotify.max_user_watches of 8192 on many systems) and cannot
 * skip node_modules; a directory's watch already reports changes to the files in it.
 * Idle, nothing runs: the kernel wakes us only when something changes.
 */
import { type FSWatcher, readdirSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';

/** Names never watched nor reported: dependencies, VCS data, dotfiles (editors' swap files too). */
export function ignoredName(name: string): boolean {
  return name === 'node_modules' || name.startsWith('.') || name.endsWith('~');
}

export class TreeWatcher {
  readonly #watchers = new Map<string, FSWatcher>();
  readonly #onChange: (path: string) => void;
  readonly #ignorePath: (path: string) => boolean;

  constructor(onChange: (path: string) => void, ignorePath: (path: string) => boolean = () => false) {
    this.#onChange = onChange;
    this.#ignorePath = ignorePath;
  }

  /** Watches `root` and every directory below it that is not ignored. */
  add(root: string): void {
    this.#watchTree(root);
  }

  /** How many directories are watched. */
  get size(): number {
    return this.#watchers.size;
  }

  close(): void {
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }

  #watchTree(dir: string): void {
    if (this.#watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: false }, (_event, name) => this.#changed(dir, name?.toString()));
    } catch {
      return; // gone already, or not readable
    }
    // A watched directory that is removed ends its watch with an error (or a close).
    watcher.on('error', () => this.#unwatch(dir));
    this.#watchers.set(dir, watcher);
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory() && !ignoredName(entry.name)) this.#watchTree(join(dir, entry.name));
    }
  }

  #unwatch(dir: string): void {
    this.#watchers.get(dir)?.close();
    this.#watchers.delete(dir);
  }

  #changed(dir: string, name: string | undefined): void {
    if (name === undefined || ignoredName(name)) return;
    const path = join(dir, name);
    if (this.#ignorePath(path)) return;
    // A new (or renamed) directory: watch it too. A removed one's watch ends by itself.
    try {
      if (statSync(path).isDirectory()) this.#watchTree(path);
    } catch {
      if (this.#watchers.has(path)) this.#unwatch(path);
    }
    this.#onChange(path);
  }
}
