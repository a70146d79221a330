#!/usr/bin/env node
// The `volley` command. The TypeScript sources are compiled to dist/ at `npm install` (prepare).
import '../dist/src/cli/main.js';
