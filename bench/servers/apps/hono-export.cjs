// The Hono hello of the multi-process app rows, exported (an object with fetch).
const { Hono } = require('hono');

const app = new Hono();
app.get('/', (c) => c.text('Hello World'));
module.exports = app;
