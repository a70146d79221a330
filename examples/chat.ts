// A chat service: WebSocket rooms, an SSE fallback for the same rooms, a static page, and
// messages fanned out through `bus` — across the workers of `volley serve` (primary relay),
// or across machines when VOLLEY_REDIS_URL is set (Redis pub/sub).
//
//   volley serve examples/chat.ts --workers 4 --listen 0.0.0.0:7878   then open http://127.0.0.1:7878/
import { fileURLToPath } from 'node:url';
import { bus, Router, Service, StatusError, serveStatic } from 'volley';

const worker = Number(process.env.VOLLEY_WORKER_ID ?? 0);
const publicDir = fileURLToPath(new URL('./chat-public/', import.meta.url));
const ROOM = /^[\w-]{1,40}$/;

interface ChatMessage {
  type: 'message';
  room: string;
  from: string;
  text: string;
  /** Milliseconds since the epoch, when the server received it. */
  at: number;
  /** For latency measurements: the sender's own timestamp, passed through. */
  sentAt?: number;
}

// Every subscriber of a room on this worker gets the same message object from the bus:
// encode it once, not once per socket (the fan-out benchmark is CPU-bound on this).
const encodedMessages = new WeakMap<object, string>();
function encoded(message: unknown): string {
  if (typeof message !== 'object' || message === null) return JSON.stringify(message);
  let text = encodedMessages.get(message);
  if (text === undefined) {
    text = JSON.stringify(message);
    encodedMessages.set(message, text);
  }
  return text;
}

function room(name: string | undefined): string {
  if (!name || !ROOM.test(name)) throw StatusError.badRequest('room names are 1-40 letters, digits, _ or -');
  return name;
}

/** Validates what a client sent and publishes it to everybody in the room, on every worker. */
async function post(roomName: string, input: unknown): Promise<ChatMessage> {
  const body = (input ?? {}) as { from?: unknown; text?: unknown; sentAt?: unknown };
  const text = typeof body.text === 'string' ? body.text.slice(0, 2000) : '';
  if (text.trim() === '') throw StatusError.unprocessableEntity('a message needs some text');
  const message: ChatMessage = {
    type: 'message',
    room: roomName,
    from: typeof body.from === 'string' && body.from ? body.from.slice(0, 40) : 'anonymous',
    text,
    at: Date.now(),
    ...(typeof body.sentAt === 'number' ? { sentAt: body.sentAt } : {}),
  };
  await bus.publish(`chat.${roomName}`, message);
  return message;
}

const rooms = new Router('rooms/{room}')
  // WebSocket: a hello naming the worker, then every message of the room; what the client sends is posted.
  .push(
    new Router('ws').ws(
      (ws, req) => {
        const name = room(req.param('room'));
        const unsubscribe = bus.subscribe(
          `chat.${name}`,
          (message) => {
            if (ws.readyState !== ws.OPEN) return;
            // A client that does not read does not get to grow this worker's memory: past
            // 1 MiB waiting in its socket it is dropped (1013: try again later).
            if (ws.bufferedAmount > 1024 * 1024) ws.close(1013, 'too slow');
            else ws.send(encoded(message));
          },
          { maxQueue: 256 },
        );
        ws.on('close', unsubscribe);
        ws.on('message', (data) => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(String(data));
          } catch {
            ws.send(JSON.stringify({ type: 'error', error: 'send JSON: {"text": "...", "from": "..."}' }));
            return;
          }
          post(name, parsed).catch((err: Error) => ws.send(JSON.stringify({ type: 'error', error: err.message })));
        });
        ws.send(JSON.stringify({ type: 'hello', worker, pid: process.pid, room: name }));
      },
      { maxPayload: 16 * 1024 },
    ),
  )
  // SSE fallback: the same room as a stream of events; clients post with POST /rooms/{room}/messages.
  .push(
    new Router('events').get((req, res) => {
      const name = room(req.param('room'));
      const stream = res.sse({ keepAlive: 15_000 });
      stream.send({ event: 'hello', data: { type: 'hello', worker, pid: process.pid, room: name } });
      const unsubscribe = bus.subscribe(`chat.${name}`, (message) => {
        stream.send({ event: 'message', data: message });
      });
      stream.onClose(unsubscribe);
    }),
  )
  .push(
    new Router('messages').post(async (req, res) => {
      const message = await post(room(req.param('room')), await req.json());
      res.status(201);
      return message;
    }),
  );

const router = new Router()
  .push(rooms)
  .push(new Router('healthz').get(() => ({ ok: true, worker })))
  .push(new Router('{**path}').get(serveStatic(publicDir, { index: ['index.html'] })));

export default new Service(router);
