// The register each run creates is thrown away afterwards (unlinking an open file is fine on Linux), with what the
// program keeps beside it: the archive folder, the audit anchor, a job's busy marker, the network share's key and marker;
// and the run's backup key folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function removeRunRegister() {
  const db = process.env.E2E_DB;
  if (!db) return;
  for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}.audit-head`, `${db}.archive`, `${db}-busy.json`, `${db}-network`, `${db}-served.json`]) fs.rmSync(f, { force: true, recursive: true });
  const key = process.env.SCHOOL_REGISTER_BACKUP_KEY_FILE;
  // only the folder the config made for this run, never a key file someone pointed the run at
  if (key && path.basename(path.dirname(key)).startsWith('school-register-e2e-key-') && path.dirname(path.dirname(key)) === os.tmpdir()) {
    fs.rmSync(path.dirname(key), { force: true, recursive: true });
  }
}
