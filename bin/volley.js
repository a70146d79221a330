#!/usr/bin/env node
// The `volley` command. The TypeScript sources are compiled to dist/ and joined into
// dist/volley.js at `npm install` (prepare: tsc, then scripts/bundle.mjs).
import { runCli } from '../dist/volley.js';

runCli(process.argv.slice(2));
