/**
 * Sends an exact number of GET requests over a few keep-alive connections, one request in
 * flight per connection, and checks every response (status 200 and the expected body).
 * wrk runs for a time, not a count; counting instructions per request needs a count.
 */
import net from 'node:net';

export class KeepAliveDriver {
  private readonly sockets: net.Socket[] = [];

  private constructor(
    private readonly request: Buffer,
    private readonly checkBody: (body: string) => boolean,
  ) {}

  static async open(
    port: number,
    path: string,
    connections: number,
    checkBody: (body: string) => boolean,
  ): Promise<KeepAliveDriver> {
    const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: */*\r\n\r\n`);
    const driver = new KeepAliveDriver(request, checkBody);
    for (let i = 0; i < connections; i++) {
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      driver.sockets.push(socket);
    }
    return driver;
  }

  /** Resolves once `total` responses came back; rejects on a bad response or a socket error. */
  send(total: number): Promise<void> {
    let sent = 0;
    let done = 0;
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => {
        for (const s of this.sockets) s.removeAllListeners('data');
        reject(err);
      };
      for (const socket of this.sockets) {
        let buffered = '';
        socket.removeAllListeners('data');
        socket.removeAllListeners('error');
        socket.on('error', fail);
        socket.on('data', (chunk: Buffer) => {
          buffered += chunk.toString('latin1');
          for (;;) {
            const head = buffered.indexOf('\r\n\r\n');
            if (head < 0) return;
            const length = /\r\ncontent-length: *(\d+)/i.exec(buffered.slice(0, head));
            if (!buffered.startsWith('HTTP/1.1 200 ') || length === null) {
              fail(new Error(`unexpected response: ${JSON.stringify(buffered.slice(0, 200))}`));
              return;
            }
            const end = head + 4 + Number(length[1]);
            if (buffered.length < end) return;
            const body = buffered.slice(head + 4, end);
            buffered = buffered.slice(end);
            if (!this.checkBody(body)) {
              fail(new Error(`unexpected body: ${JSON.stringify(body.slice(0, 200))}`));
              return;
            }
            if (++done === total) resolve();
            else if (sent < total) {
              sent++;
              socket.write(this.request);
            }
          }
        });
        if (sent < total) {
          sent++;
          socket.write(this.request);
        }
      }
    });
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
  }
}
