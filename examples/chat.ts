// A chat service: WebSocket rooms, an SSE fallback for the same rooms, a static page, and
// messages fanned out through `bus` — across the workers of `volley serve` (primary relay),
// or across machines when VOLLEY_REDIS_URL is set (Redis pub/sub).
//
//   volley serve examples/chat.ts --workers 4 --listen 0.0.0.0:7878   then open http://127.0.0.1:7878/
import { fileURLToPath } from 'node:url';
import { bus, Router, Service, StatusError, serveStatic, WebSocketRoom, wsRoute } from 'volley';

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

// This worker's WebSocket members of each room. One bus subscription for all rooms hands each
// message to its room once; the room frames it once and writes it to every member (and closes
// members that stop reading: past 1 MiB waiting in their socket, with 1013).
const wsRooms = new Map<string, WebSocketRoom>();
bus.subscribe('chat.*', (message, topic) => {
  wsRooms.get(topic.slice('chat.'.length))?.send(JSON.stringify(message));
});

function wsRoom(name: string): WebSocketRoom {
  let r = wsRooms.get(name);
  if (r === undefined) {
    r = new WebSocketRoom({ maxBufferedBytes: 1024 * 1024 });
    wsRooms.set(name, r);
  }
  return r;
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
    wsRoute(
      'ws',
      (ws, req) => {
        const name = room(req.param('room'));
        ws.send(JSON.stringify({ type: 'hello', worker, pid: process.pid, room: name }));
        const members = wsRoom(name);
        members.join(ws);
        ws.on('close', () => {
          if (members.size === 0 && wsRooms.get(name) === members) wsRooms.delete(name);
        });
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
