// The same Express app as PM2 and node:cluster run it: it listens itself on $PORT.
const app = require('./express-export.cjs');

app.listen(Number(process.env.PORT), '127.0.0.1');
