// A straightforward node:http ⇄ Web Request/Response adapter, written here only to measure it
// against @hono/node-server's (issue 15: use ours only if it is faster). It streams both
// bodies (Readable.toWeb for the request, a reader loop with backpressure for the response)
// and aborts the Request's signal when the client goes away. It builds a real Request per
// request; @hono/node-server builds one only when the app touches more than method/url/headers.
import { once } from 'node:events';
import { Readable } from 'node:stream';

export function webListener(fetch) {
  return (req, res) => {
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const headers = new Headers();
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
    const init = { method: req.method, headers, signal: controller.signal };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      init.body = Readable.toWeb(req);
      init.duplex = 'half';
    }
    const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url}`, init);
    Promise.resolve()
      .then(() => fetch(request))
      .then((response) => write(response, res))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
  };
}

async function write(response, res) {
  const headers = [];
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers.push(name, value);
  });
  for (const cookie of response.headers.getSetCookie()) headers.push('set-cookie', cookie);
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!res.write(value)) await once(res, 'drain');
  }
  res.end();
}
