// The skewed app as PM2 and node:cluster run it: it listens itself on $PORT.
const http = require('node:http');

http.createServer(require('./skew-export.cjs')).listen(Number(process.env.PORT), '127.0.0.1');
