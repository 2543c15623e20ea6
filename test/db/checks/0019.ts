// What migration 0019 must leave behind: tsa_settings with one row and no TSA at first; an
// address only with the CA its tokens chain to, only http(s); the failure choice one of two; the row never deleted.
// The PDFs' signatures: empty, one per PDF, of an existing ledger version or printout, append-only.
import type Database from 'better-sqlite3';
import { expect } from 'vitest';

export default function check(db: Database.Database): void {
  expect(db.prepare('SELECT id, url, ca_pem, on_failure FROM tsa_settings').all()).toEqual([{ id: 1, url: null, ca_pem: null, on_failure: 'refuse' }]);
  expect(() => db.prepare('INSERT INTO tsa_settings (id) VALUES (2)').run()).toThrow(/CHECK constraint failed/);
  const set = db.prepare('UPDATE tsa_settings SET url = ?, ca_pem = ?, on_failure = ? WHERE id = 1');
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  expect(() => set.run('http://tsa.example/', null, 'refuse')).toThrow(/CHECK constraint failed/); // an address without its CA
  expect(() => set.run(null, pem, 'refuse')).toThrow(/CHECK constraint failed/); // a CA without an address
  expect(() => set.run('ftp://tsa.example/', pem, 'refuse')).toThrow(/CHECK constraint failed/);
  expect(() => set.run('http://', pem, 'refuse')).toThrow(/CHECK constraint failed/);
  expect(() => set.run('http://tsa.example/', 'не сертификат', 'refuse')).toThrow(/CHECK constraint failed/);
  expect(() => set.run('http://tsa.example/', pem, 'ignore')).toThrow(/CHECK constraint failed/);
  expect(() => set.run(`http://tsa.example/${'a'.repeat(2000)}`, pem, 'refuse')).toThrow(/CHECK constraint failed/);
  set.run('https://tsa.example/tsp', pem, 'without_time');
  set.run(null, null, 'refuse');
  expect(() => db.prepare('DELETE FROM tsa_settings').run()).toThrow(/never deleted/);

  for (const t of ['ledger_pdf_signatures', 'printout_signatures']) expect(db.prepare(`SELECT count(*) AS n FROM ${t}`).get()).toEqual({ n: 0 });
  db.pragma('foreign_keys = ON');
  expect(() => db.prepare("INSERT INTO printout_signatures VALUES (999, x'30', 'CN=x', '2026-12-05', 'admin')").run()).toThrow(/FOREIGN KEY constraint failed/);
  expect(() => db.prepare("INSERT INTO ledger_pdf_signatures VALUES (999, x'30', 'CN=x')").run()).toThrow(/FOREIGN KEY constraint failed/);
  expect(() => db.prepare("INSERT INTO ledger_pdf_signatures VALUES (999, x'', 'CN=x')").run()).toThrow(/CHECK constraint failed/);
}
