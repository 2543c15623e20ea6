// Entry of the Electron main process (bundled to out/electron/main.cjs by build/scripts/bundle-electron.mjs).
import { openBackend } from '../host/backend.ts';
import { runShell } from './shell.ts';

runShell({ openBackend });
