// Migration 0016 rebuilds the register of printouts to take the appendix: every printout
// already given out must come through byte for byte (its PDF, hash and code), with foreign keys still sound and the
// table still append-only; sqlite3 reads the file afterwards as the referee.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.ts';
import { migrations } from '../../db/migrations/index.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';

afterAll(removeScratchDirs);
const v21 = migrations.findIndex((m) => m.name === '0016_attestat_blanks');

describe('migration 0016_attestat_blanks', () => {
  it('keeps every registered printout as it was', () => {
    const file = path.join(scratchDir(), 'register.sqlite');
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    migrate(db, migrations.slice(0, v21));
    const add = db.prepare(`INSERT INTO printouts (kind, subject_ref, version, sha256, canonical_json, code, pdf, pdf_sha256, created_at, created_by_login)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, '2026-06-20T10:00:00.000Z', 'admin')`);
    const h = (c: string) => c.repeat(64);
    add.run('certificate_of_study', 'student:x', 1, h('a'), '{"a":1}', 'AAAAAAAA-v1', Buffer.from('%PDF-1 справка'), h('b'));
    add.run('attestat_book', 'year:2025/2026', 1, h('c'), '{"b":2}', 'CCCCCCCC-v1', Buffer.from('%PDF-1 книга'), h('d'));
    const dump = () => execFileSync('sqlite3', [file, "SELECT id, kind, subject_ref, version, sha256, canonical_json, code, hex(pdf), pdf_sha256, created_at, created_by_login FROM printouts ORDER BY id"], { encoding: 'utf8' });
    const before = dump();
    migrate(db, migrations.slice(0, v21 + 1));
    expect(dump()).toBe(before);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(() => db.prepare('DELETE FROM printouts').run()).toThrow(/append-only/);
    expect(() => add.run('certificate_of_study', 'student:x', 3, h('e'), '{}', 'EEEEEEEE-v3', Buffer.from('x'), h('f'))).toThrow(/numbered 1, 2, 3/);
    db.close();
    expect(execFileSync('sqlite3', [file, 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim()).toBe('ok');
  });
});
