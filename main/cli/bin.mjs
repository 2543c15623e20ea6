#!/usr/bin/env node
// `npx school-register …`: runs the bundled CLI, out/cli/cli.cjs (build/scripts/bundle-cli.mjs) — no TypeScript is
// compiled at run time and the heavy libraries load only for the commands that use them (issue 19). From a checkout
// whose sources are newer than the bundle (or without one) it bundles first, about a second, so it never runs stale code.
import { runBundle } from './run-bundle.mjs';
import { freshBundle } from './fresh-bundle.mjs';

runBundle(await freshBundle('cli.cjs')); // with V8's code cache (run-bundle.mjs)
