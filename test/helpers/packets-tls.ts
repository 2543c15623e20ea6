// The place for the TLS client certificate (table packet_tls_client) until the integrator's migration adds it: the DDL
// of main/packets/tls-store.ts, run on a register file through a second connection, as that migration will run it.
// Idempotent, so it keeps working (doing nothing) once the migration exists.
import Database from 'better-sqlite3';
import { PACKET_TLS_CLIENT_SQL } from '../../main/packets/tls-store.ts';

export function addTlsClientStorage(dbPath: string): void {
  const db = new Database(dbPath);
  try {
    db.pragma('busy_timeout = 5000');
    if (!db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'packet_tls_client'").get()) {
      db.transaction(() => db.exec(PACKET_TLS_CLIENT_SQL)).immediate();
    }
  } finally {
    db.close();
  }
}
