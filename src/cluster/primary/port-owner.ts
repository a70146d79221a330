/**
 * Who holds a listening TCP port, from /proc: /proc/net/tcp and /proc/net/tcp6 list the
 * listening sockets with their inodes, and /proc/<pid>/fd links name the socket inodes each
 * process holds. Only used to make "already in use" messages say which process; anything
 * /proc does not tell (another OS, another user's processes) just gives no pid.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

export interface ProcSocket {
  /** Numeric local address, IPv4 dotted or IPv6 (an IPv4-mapped one is given as IPv4). */
  host: string;
  port: number;
  /** Kernel state number: 10 (0x0A) is LISTEN. */
  state: number;
  inode: number;
}

const LISTEN = 0x0a;

/** The 8 hex digits of /proc/net/tcp are the address in host byte order (little-endian here). */
function ipv4FromHex(hex: string): string {
  const n = Number.parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.');
}

/** 32 hex digits: four 32-bit words, each in host byte order. */
function ipv6FromHex(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(Number.parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return bytes.slice(12).join('.');
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return canonicalIpv6(groups.join(':'));
}

/** Parses the text of /proc/net/tcp or /proc/net/tcp6. */
export function parseProcNetTcp(text: string): ProcSocket[] {
  const sockets: ProcSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [addrHex, portHex] = fields[1]!.split(':') as [string, string];
    sockets.push({
      host: addrHex.length === 8 ? ipv4FromHex(addrHex) : ipv6FromHex(addrHex),
      port: Number.parseInt(portHex, 16),
      state: Number.parseInt(fields[3]!, 16),
      inode: Number(fields[9]),
    });
  }
  return sockets;
}

/** The compressed form ('::1'), as resolveHost and users write it; the URL parser knows the rules. */
function canonicalIpv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** Two local addresses of the same port overlap when equal or when either is a wildcard. */
export function hostsOverlap(a: string, b: string): boolean {
  if (a.includes(':')) a = canonicalIpv6(a);
  if (b.includes(':')) b = canonicalIpv6(b);
  return a === b || WILDCARDS.has(a) || WILDCARDS.has(b);
}

function readProc(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Inodes of the sockets listening on host:port, or on an address that overlaps it. */
export function listeningInodes(host: string, port: number): number[] {
  const all = [...parseProcNetTcp(readProc('/proc/net/tcp')), ...parseProcNetTcp(readProc('/proc/net/tcp6'))];
  return all.filter((s) => s.state === LISTEN && s.port === port && hostsOverlap(s.host, host)).map((s) => s.inode);
}

/** The socket inode behind one of this process's file descriptors, if /proc says. */
export function inodeOfFd(fd: number): number | undefined {
  try {
    const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The pids (ascending) of the processes that hold any of these socket inodes. */
export function pidsHoldingInodes(inodes: readonly number[]): number[] {
  if (inodes.length === 0) return [];
  const wanted = new Set(inodes.map((i) => `socket:[${i}]`));
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or another user's
    }
    for (const fd of fds) {
      try {
        if (wanted.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) {
          pids.push(Number(entry));
          break;
        }
      } catch {
        // closed meanwhile
      }
    }
  }
  return pids.sort((a, b) => a - b);
}

/**
 * `pid 123 (node bin/volley.js serve app.mjs ...)`, from /proc/<pid>/cmdline (the command says
 * more than /proc/<pid>/comm, which Node 24 sets to its thread's name, "MainThread").
 */
export function describePid(pid: number): string {
  const [argv0 = '', ...args] = readProc(`/proc/${pid}/cmdline`).split('\0').filter(Boolean);
  let command = [basename(argv0), ...args].join(' ').trim();
  if (command.length > 80) command = `${command.slice(0, 77)}...`;
  if (!command) command = readProc(`/proc/${pid}/comm`).trim();
  return command ? `pid ${pid} (${command})` : `pid ${pid}`;
}

function parentPid(pid: number): number | undefined {
  // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
  const stat = readProc(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/**
 * Says who holds the sockets: the processes whose parent is not among them (a `volley serve`
 * primary, not its workers, which inherited the same sockets), e.g. `pid 123 (node)`; '' when
 * /proc says nothing.
 */
export function describeHolders(pids: readonly number[]): string {
  const set = new Set(pids);
  const roots = pids.filter((pid) => !set.has(parentPid(pid) ?? -1));
  const shown = (roots.length > 0 ? roots : pids).slice(0, 3).map(describePid);
  const children = pids.length - roots.length;
  if (shown.length === 0) return '';
  return shown.join(', ') + (children > 0 && roots.length > 0 ? ` and ${children} child process(es)` : '');
}
