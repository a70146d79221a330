// The Express hello of the multi-process app rows, exported (volley serve serves the listener).
const express = require('express');

const app = express();
app.get('/', (_req, res) => {
  res.send('Hello World');
});
module.exports = app;
