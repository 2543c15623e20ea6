// The backup key in the app: sealed by Electron's safeStorage (DPAPI on Windows, the Keychain on macOS, the desktop's
// secret service on Linux) before it reaches the key file, so that a copy of the profile folder alone does not give it
// away. A plain key file (made by the command line) is read as it is and left so: the command line, which has no
// safeStorage, keeps reading it. Where safeStorage cannot encrypt (Linux without a keyring), the key is stored plain,
// 0600, like the command line's. Typechecked here; it runs only inside Electron (not in the tests).
import { safeStorage } from 'electron';
import { backupKeyFile, FileKeyStore, type KeySealing, type KeyStore } from '../backup/key.ts';

const sealing: KeySealing = {
  seal: (key) => safeStorage.encryptString(key.toString('hex')),
  open: (bytes) => Buffer.from(safeStorage.decryptString(bytes), 'hex'),
};

/** Linux's 'basic_text' backend "encrypts" with a hard-coded password: no better than the plain 0600 file. */
const sealingWorks = () => safeStorage.isEncryptionAvailable()
  && (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text');

export function safeStorageKeyStore(file = backupKeyFile()): KeyStore {
  const sealed = new FileKeyStore(file, sealing);
  const plain = new FileKeyStore(file);
  return {
    where: `${file} (защищён средствами системы)`,
    load: () => sealed.load(),
    save: (key, replace) => (sealingWorks() ? sealed : plain).save(key, replace),
  };
}
