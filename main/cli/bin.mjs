#!/usr/bin/env node
// `npx school-register …`: the CLI runs the TypeScript backend through tsx (no build step needed).
import { tsImport } from 'tsx/esm/api';

await tsImport('./index.ts', import.meta.url);
