// The register each run creates is thrown away afterwards (unlinking an open file is fine on Linux).
import fs from 'node:fs';

export default function removeRunRegister() {
  const db = process.env.E2E_DB;
  if (!db) return;
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
}
