// Entry of the Electron main process (bundled to out/electron/main.cjs by build/scripts/bundle-electron.mjs).
import { openBackend } from '../host/backend.ts';
import { runShell } from './shell.ts';
import { keepFilesPrivate } from '../shared/private-files.ts';
import { useKeyStore } from '../backup/key.ts';
import { safeStorageKeyStore } from './backup-key-store.ts';

keepFilesPrivate(); // every file this process creates is 0600, every folder 0700; stale temp folders removed
useKeyStore(safeStorageKeyStore()); // the backup key sealed by safeStorage (used only after the app is ready)
runShell({ openBackend });
