#!/usr/bin/env node
// Writes volley.schema.json and the options table of docs/serve.md from the option table
// (src/config/options.ts, compiled to dist/). Run after `npm run build`; src/config/options.test.ts
// fails while either is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { configJsonSchemaText, withDocsTable } from '../dist/src/config/generated.js';

const root = new URL('..', import.meta.url).pathname;
writeFileSync(`${root}volley.schema.json`, configJsonSchemaText());
const docs = `${root}docs/serve.md`;
writeFileSync(docs, withDocsTable(readFileSync(docs, 'utf8')));
console.log('wrote volley.schema.json and the options table of docs/serve.md');
