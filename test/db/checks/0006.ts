// What migration 0006_packets must leave behind (see test/db/migrations.test.ts).
import type Database from 'better-sqlite3';

export default function check(_db: Database.Database): void {
  // reserved: the migration is still empty
}
