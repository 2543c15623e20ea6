#!/usr/bin/env node
// The browser shell's server (main/host/serve.ts) started from its bundle, out/cli/serve.cjs, as the CLI is
// (main/cli/bin.mjs): no TypeScript compiled at start. Usage: node main/host/serve.mjs [--db FILE] [--port N]
import { runBundle } from '../cli/run-bundle.mjs';
import { freshBundle } from '../cli/fresh-bundle.mjs';

runBundle(await freshBundle('serve.cjs')); // with V8's code cache (run-bundle.mjs)
