/**
 * The new primary's side of an upgrade (upgrade.ts is the old one's): it was started with a
 * handover and an IPC channel to its predecessor. It says whether its start-up failed or its
 * workers are ready, then waits for the predecessor to hand over (commit): only from then on
 * is it the serving primary (pid file, socket files, MAINPID).
 */
import type { PredecessorMessage, SuccessorMessage } from './upgrade.js';

/** The predecessor is our parent until it exits (then we are reparented; a zombie would still answer kill 0). */
const gone = (pid: number) => process.ppid !== pid;

export class PredecessorLink {
  /** The predecessor's pid. */
  readonly from: number;

  constructor(from: number) {
    this.from = from;
  }

  #send(message: SuccessorMessage): Promise<void> {
    return new Promise((resolve) => {
      if (!process.send || !process.connected) return resolve();
      process.send(message, undefined, {}, () => resolve());
    });
  }

  /** Start-up failed: the predecessor keeps serving and reports `error`. */
  failed(error: unknown): Promise<void> {
    const text = error instanceof Error ? error.message : String(error);
    return this.#send({ volley: 'upgrade-failed', error: text.split('\n')[0]! });
  }

  /**
   * Every worker is ready: tell the predecessor and wait for it to hand over. Resolves true once
   * it committed, or when it is gone without a word (it died: this primary is all that serves);
   * false when the channel closed while it still runs (it gave up on this one and stops it).
   */
  async ready(): Promise<boolean> {
    if (!process.send || !process.connected) return gone(this.from);
    const committed = new Promise<boolean>((resolve) => {
      const onMessage = (m: unknown) => {
        if ((m as Partial<PredecessorMessage> | null)?.volley !== 'upgrade-commit') return;
        finish(true);
      };
      // A predecessor that dies closes the channel a moment before the kernel reparents us.
      const onDisconnect = () => {
        let tries = 0;
        const check = () => {
          if (gone(this.from) || ++tries > 50) finish(gone(this.from));
          else setTimeout(check, 20);
        };
        check();
      };
      const finish = (result: boolean) => {
        process.off('message', onMessage);
        process.off('disconnect', onDisconnect);
        resolve(result);
      };
      process.on('message', onMessage);
      process.once('disconnect', onDisconnect);
    });
    await this.#send({ volley: 'upgrade-ready', pid: process.pid });
    const result = await committed;
    if (process.connected) process.disconnect();
    return result;
  }
}
