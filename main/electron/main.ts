// Entry of the Electron main process (bundled to out/electron/main.cjs by build/scripts/bundle-electron.mjs).
import { openBackend } from '../host/backend.ts';
import { runShell } from './shell.ts';
import { keepFilesPrivate } from '../shared/private-files.ts';
import { useKeyStore } from '../backup/key.ts';
import { safeStorageKeyStore } from './backup-key-store.ts';
import { connectUrlFrom, openRemoteBackend } from '../network/remote-backend.ts';
import { PinStore } from '../network/client.ts';
import { otherServer } from '../../db/served-marker.ts';

keepFilesPrivate(); // every file this process creates is 0600, every folder 0700; stale temp folders removed
useKeyStore(safeStorageKeyStore()); // the backup key sealed by safeStorage (used only after the app is ready)
runShell({
  openBackend,
  openRemote: (url, pinsFile, confirm) => openRemoteBackend({ url, pins: new PinStore(pinsFile), confirm }),
  servedElsewhere: (dbPath) => otherServer(dbPath)?.url ?? null,
  connectUrl: connectUrlFrom,
});
