// The register each run creates is thrown away afterwards (unlinking an open file is fine on Linux), with what the
// program keeps beside it: the archive folder and the audit anchor.
import fs from 'node:fs';

export default function removeRunRegister() {
  const db = process.env.E2E_DB;
  if (!db) return;
  for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}.audit-head`, `${db}.archive`]) fs.rmSync(f, { force: true, recursive: true });
}
