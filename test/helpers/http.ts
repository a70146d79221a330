import { Agent, fetch, type RequestInit, type Response } from 'undici';

/**
 * No keep-alive: each request opens its own connection, which is closed after the response.
 *
 * Why: the global fetch keeps an idle connection per origin and reuses it for the next request.
 * A volley worker closes an idle keep-alive connection after its keepAliveTimeout (5 s), and a
 * draining or recycled worker closes idle ones at once. When a test's next request comes after
 * a pause (waiting for a log rotation, a recycle, a heartbeat), the client can write it on a
 * socket the server is closing at that moment, before the client has read the FIN: the request
 * fails with "fetch failed" (SocketError: other side closed) although the server did nothing
 * wrong. Sending `connection: close` alone does not avoid it (the pool still hands that request
 * an idle pooled socket); `pipelining: 0` makes the agent never keep a socket idle, so there is
 * none to race with. Tests that are about keep-alive use their own http.Agent.
 */
const noKeepAlive = new Agent({ pipelining: 0 });

/**
 * fetch() on a fresh connection per request (see above); same arguments and answer as fetch.
 * A network error names the URL and its cause (fetch's own message is only "fetch failed").
 */
export async function freshFetch(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, dispatcher: noKeepAlive });
  } catch (err) {
    const cause = (err as Error).cause as NodeJS.ErrnoException | undefined;
    const why = cause ? `${cause.code ?? cause.name}: ${cause.message}` : (err as Error).message;
    throw new Error(`${init.method ?? 'GET'} ${url} failed: ${why}`, { cause: err });
  }
}
