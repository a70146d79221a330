import http from 'node:http';
import WebSocket from 'ws';

export interface Hello {
  type: 'hello';
  worker: number;
  pid: number;
  room: string;
}

export interface Delivered {
  type: 'message';
  text: string;
  from: string;
  at: number;
  sentAt?: number;
}

/**
 * A chat client for the tests: connects on a fresh TCP connection (so the kernel's hash spreads
 * clients over workers), remembers which worker said hello, collects messages, and reconnects
 * after a close when asked to.
 */
export class ChatClient {
  readonly url: string;
  ws: WebSocket | undefined;
  hello: Hello | undefined;
  readonly received: Delivered[] = [];
  readonly hellos: Hello[] = [];
  closes = 0;
  #reconnect = false;
  #stopped = false;
  onMessage: ((m: Delivered) => void) | undefined;

  constructor(port: number, room: string) {
    this.url = `ws://127.0.0.1:${port}/rooms/${room}/ws`;
  }

  /** Connects and resolves with the server's hello. */
  connect(): Promise<Hello> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { agent: new http.Agent({ keepAlive: false }) });
      this.ws = ws;
      let greeted = false;
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as Hello | Delivered;
        if (m.type === 'hello') {
          this.hello = m;
          this.hellos.push(m);
          greeted = true;
          resolve(m);
        } else if (m.type === 'message') {
          this.received.push(m);
          this.onMessage?.(m);
        }
      });
      ws.on('error', (err) => {
        if (!greeted) reject(err);
      });
      ws.on('close', () => {
        this.closes++;
        if (!greeted) reject(new Error('closed before hello'));
        if (this.#reconnect && !this.#stopped) setTimeout(() => this.connect().catch(() => this.#retry()), 50);
      });
    });
  }

  #retry(): void {
    if (this.#reconnect && !this.#stopped) setTimeout(() => this.connect().catch(() => this.#retry()), 100);
  }

  /** Reconnect by itself after every close, as the browser page does. */
  keepConnected(): this {
    this.#reconnect = true;
    return this;
  }

  send(text: string, extra: Record<string, unknown> = {}): void {
    this.ws?.send(JSON.stringify({ text, from: 'test', ...extra }));
  }

  close(): void {
    this.#stopped = true;
    this.ws?.terminate();
  }
}

/** POSTs a chat message on a fresh connection; resolves with the status code (0 on a network error). */
export function postMessage(port: number, room: string, text: string): Promise<number> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ text, from: 'poster' });
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: `/rooms/${room}/messages`,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.setTimeout(5000, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(body);
  });
}
