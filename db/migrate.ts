// Forward-only migrations tracked in PRAGMA user_version; all pending ones run in one transaction.
import type Database from 'better-sqlite3';
import { migrations, type Migration } from './migrations/index.ts';

export function latestVersion(list: readonly Migration[] = migrations): number {
  return list.length ? list[list.length - 1].version : 0;
}

/** Applies every pending migration in one transaction; returns the versions applied. */
export function migrate(db: Database.Database, list: readonly Migration[] = migrations): number[] {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} is numbered ${m.version}, expected ${i + 1}`);
  });
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latestVersion(list)) {
    throw new Error(`database schema version ${current} is newer than this program's ${latestVersion(list)}`);
  }
  const pending = list.filter((m) => m.version > current);
  if (!pending.length) return [];
  db.transaction(() => {
    for (const m of pending) db.exec(m.sql);
    // application_id and user_version are written in the same transaction as the schema.
    db.pragma(`application_id = ${0x53524547}`);
    db.pragma(`user_version = ${pending[pending.length - 1].version}`);
  }).immediate();
  return pending.map((m) => m.version);
}
