import { unlinkSync } from 'node:fs';
import { native } from '../../native/index.js';

/**
 * A unix admin socket opened by the addon (mode 0600 before listen), or undefined without the
 * addon (then Node binds it). Not bound through Node where it can be avoided: libuv removes the
 * file of a socket it bound when the server closes, which after an upgrade would take the file
 * from under the successor that serves on the same socket.
 */
export function openUnixSocket(path: string): number | undefined {
  let addon: ReturnType<typeof native>;
  try {
    addon = native();
  } catch {
    return undefined;
  }
  return addon.openUnixListener({ path, mode: 0o600 });
}

export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
