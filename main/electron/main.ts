// Entry of the Electron main process (bundled to out/electron/main.cjs by build/scripts/bundle-electron.mjs).
import { openBackend } from '../host/backend.ts';
import { runShell } from './shell.ts';
import { keepFilesPrivate } from '../shared/private-files.ts';

keepFilesPrivate(); // every file this process creates is 0600, every folder 0700; stale temp folders removed
runShell({ openBackend });
