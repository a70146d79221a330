/**
 * The description an upgrading primary hands its successor with the listening sockets: which
 * inherited fd is which slot of which --listen address, the unix sockets, the admin socket.
 * It travels in the successor's environment (HANDOVER_ENV, JSON); the sockets themselves are
 * the successor's fds FIRST_HANDED_FD, FIRST_HANDED_FD + 1, ... (child_process extra stdio).
 */
import { native } from '../../native/index.js';
import { StartupError } from './errors.js';

export const HANDOVER_ENV = 'VOLLEY_HANDOVER';
/** The successor's fd of the first handed socket: 0-2 are stdio, 3 the IPC channel to its predecessor. */
export const FIRST_HANDED_FD = 4;

/** The sockets of one --listen address (`text` as given, so the successor matches its own --listen). */
export type HandedListen =
  /** SO_REUSEPORT sockets of a TCP address, one per slot, in the kernel's order of the group. */
  | { kind: 'group'; text: string; host: string; port: number; slots: { slot: number; fd: number }[] }
  /** A unix socket shared by every worker. */
  | { kind: 'unix'; text: string; path: string; fd: number }
  /** Sockets systemd passed (socket activation), as they were passed. */
  | { kind: 'passed'; fds: { fd: number; name: string }[] };

export interface Handover {
  version: 1;
  /** The predecessor's pid. */
  from: number;
  /** Workers the predecessor ran (a scale since start-up is kept). */
  workers: number;
  listen: HandedListen[];
  admin?: { text: string; fd: number };
}

/** Every fd a handover names, in order. */
export function handedFds(handover: Handover): number[] {
  const fds: number[] = [];
  for (const entry of handover.listen) {
    if (entry.kind === 'group') fds.push(...entry.slots.map((s) => s.fd));
    else if (entry.kind === 'unix') fds.push(entry.fd);
    else fds.push(...entry.fds.map((f) => f.fd));
  }
  if (handover.admin) fds.push(handover.admin.fd);
  return fds;
}

/**
 * The same handover with the predecessor's fds renumbered as the successor sees them, and the
 * predecessor's fds in that order (for spawn's stdio).
 */
export function forSuccessor(handover: Handover): { description: Handover; stdio: number[] } {
  const stdio: number[] = [];
  const map = (fd: number) => {
    stdio.push(fd);
    return FIRST_HANDED_FD + stdio.length - 1;
  };
  const listen: HandedListen[] = handover.listen.map((entry) => {
    if (entry.kind === 'group') return { ...entry, slots: entry.slots.map((s) => ({ slot: s.slot, fd: map(s.fd) })) };
    if (entry.kind === 'unix') return { ...entry, fd: map(entry.fd) };
    return { kind: 'passed', fds: entry.fds.map((f) => ({ name: f.name, fd: map(f.fd) })) };
  });
  const admin = handover.admin ? { text: handover.admin.text, fd: map(handover.admin.fd) } : undefined;
  return { description: { ...handover, listen, ...(admin ? { admin } : {}) }, stdio };
}

/**
 * The handover this process was started with, or undefined. The variable is removed (the
 * workers must not see it) and every handed fd is made close-on-exec (inherited fds are not;
 * a worker that inherited every socket would keep a closed slot's socket alive).
 */
export function takeHandover(env: NodeJS.ProcessEnv = process.env): Handover | undefined {
  const text = env[HANDOVER_ENV];
  if (text === undefined) return undefined;
  delete env[HANDOVER_ENV];
  const handover = parseHandover(text);
  for (const fd of handedFds(handover)) {
    try {
      native().setCloseOnExec(fd);
    } catch (err) {
      throw new StartupError(`${HANDOVER_ENV}: fd ${fd} was not inherited: ${(err as Error).message}`, err);
    }
  }
  return handover;
}

const isFd = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isText = (v: unknown): v is string => typeof v === 'string';

/** Parses and checks a handover description; a malformed one is a StartupError saying what. */
export function parseHandover(text: string): Handover {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StartupError(`${HANDOVER_ENV} is not JSON: ${(err as Error).message}`, err);
  }
  const bad = (what: string) => new StartupError(`${HANDOVER_ENV}: ${what} (an upgrading primary sets it)`);
  const h = value as Partial<Handover> | null;
  if (!h || typeof h !== 'object' || h.version !== 1) throw bad('not a version 1 handover');
  if (!isFd(h.from) || !Number.isInteger(h.workers) || (h.workers as number) < 1) throw bad('from or workers missing');
  if (!Array.isArray(h.listen)) throw bad('listen is not a list');
  for (const entry of h.listen as HandedListen[]) {
    const ok =
      entry?.kind === 'group'
        ? isText(entry.text) &&
          isText(entry.host) &&
          Number.isInteger(entry.port) &&
          Array.isArray(entry.slots) &&
          entry.slots.every((s) => Number.isInteger(s?.slot) && isFd(s?.fd))
        : entry?.kind === 'unix'
          ? isText(entry.text) && isText(entry.path) && isFd(entry.fd)
          : entry?.kind === 'passed' &&
            Array.isArray(entry.fds) &&
            entry.fds.every((f) => isFd(f?.fd) && isText(f?.name));
    if (!ok) throw bad(`malformed listen entry ${JSON.stringify(entry)}`);
  }
  if (h.admin !== undefined && !(isText(h.admin?.text) && isFd(h.admin?.fd))) throw bad('malformed admin entry');
  return h as Handover;
}
