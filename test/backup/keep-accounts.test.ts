// keepAccounts: the open register's accounts written into a restored one. Every account of the open register comes
// over by id (login, role, password hash, disabled); one only the copy has goes, or, when the register refers to it
// (who gave out a printout), stays disabled as a clerk; a login the copy gave to another id moves with the open register's.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRegister, type DB } from '../../db/connection.ts';
import { keepAccounts } from '../../main/backup/restore-open.ts';
import { tempDir } from '../helpers/register.ts';

const HASH = (s: string) => `scrypt$${s}`;
function register(name: string, users: Array<[number, string, string, number?]>): DB {
  const db = openRegister(path.join(tempDir('sr-accounts-'), `${name}.sqlite`));
  const add = db.prepare("INSERT INTO users (id, login, full_name, role, password_hash, created_at, disabled) VALUES (?, ?, ?, ?, ?, '2026-01-01T00:00:00.000Z', ?)");
  for (const [id, login, role, disabled] of users) add.run(id, login, `Пользователь ${login}`, role, HASH(`${name}-${login}`), disabled ?? 0);
  return db;
}
const rows = (db: DB) => db.prepare('SELECT id, login, role, password_hash, disabled FROM users ORDER BY id').all();

describe('keepAccounts', () => {
  it('the open register\'s accounts as they are; the copy\'s extra accounts removed or, when referred to, disabled', () => {
    const open = register('open', [[1, 'admin', 'admin'], [2, 'arch', 'archivist'], [4, 'clerk', 'clerk', 1]]);
    // in the copy: arch raised to admin, a forged admin «evil» (3), «old» (5) whom the register refers to, and the
    // login «clerk» held by id 6
    const copy = register('copy', [[1, 'admin', 'admin'], [2, 'arch', 'admin'], [3, 'evil', 'admin'], [5, 'old', 'admin'], [6, 'clerk', 'admin']]);
    // «old» gave out a printout: the register refers to him
    const sha = 'a'.repeat(64);
    copy.prepare(`INSERT INTO printouts (kind, subject_ref, version, sha256, canonical_json, code, pdf, pdf_sha256, created_at, created_by, created_by_login)
      VALUES ('certificate_of_study', 's-1', 1, ?, '{}', ?, x'25', ?, '2026-06-01T00:00:00.000Z', 5, 'old')`).run(sha, 'AAAAAAAA-v1', sha);
    expect(keepAccounts(open, copy)).toEqual(['admin', 'arch', 'clerk']);
    expect(rows(copy)).toEqual([
      { id: 1, login: 'admin', role: 'admin', password_hash: HASH('open-admin'), disabled: 0 },
      { id: 2, login: 'arch', role: 'archivist', password_hash: HASH('open-arch'), disabled: 0 },
      { id: 4, login: 'clerk', role: 'clerk', password_hash: HASH('open-clerk'), disabled: 1 },
      { id: 5, login: 'old', role: 'clerk', password_hash: HASH('copy-old'), disabled: 1 },
    ]);
    expect(copy.pragma('foreign_key_check')).toEqual([]);
    open.close();
    copy.close();
  });
});
