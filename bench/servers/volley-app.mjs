// The app module of the multi-process benchmark:
//   node bin/volley.js serve bench/servers/volley-app.mjs --workers 2 --listen 127.0.0.1:PORT
import { Router } from 'volley';

export default new Router().get(() => 'Hello World');
