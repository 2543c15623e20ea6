// Sealed ledger versions for archive and backup tests, written straight into migration 0004's ledger_versions as
// main/ledgers/seal.ts would (sha256 over the canonical JSON's UTF-8 bytes, a detached CMS signature over the same bytes
// by a real openssl-made certificate, a correction opened for every version after the first) but with small opaque
// PDF/XLSX bytes, so these tests do not depend on rendering.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { buildLedger } from '../../main/ledgers/build.ts';
import { canonicalJson } from '../../main/shared/jcs.ts';
import { createRsaSigner, type Signer } from '../../main/signing/cms.ts';
import { loadPkcs12 } from '../../main/signing/pkcs12.ts';
import { tempDir } from './register.ts';

/** A real RSA signer from a PKCS#12 made by openssl, and its certificate (PEM) as the trust anchor. */
export function testSigner(): { signer: Signer; certPem: string; dir: string } {
  const dir = tempDir('sr-archive-signer-');
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '365',
    '-subj', '/C=RU/O=ГБОУ Школа № 7/CN=Иванова Мария Петровна', '-utf8']);
  run(['pkcs12', '-export', '-in', 'cert.pem', '-inkey', 'key.pem', '-out', 'school.p12', '-passout', 'pass:secret']);
  const signer = createRsaSigner(loadPkcs12(fs.readFileSync(path.join(dir, 'school.p12')), 'secret'));
  return { signer, certPem: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'), dir };
}

const hex = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

/**
 * Seals one version of a class's ledger as the ledgers branch would; PDF/XLSX bytes are opaque to the archive. With
 * `real`, the sealed JSON is the class's ledger as buildLedger makes it (a restore re-derives it and compares), and a
 * version after the first is sealed after a change the correction allowed (the class's shift).
 */
export async function sealTestLedger(db: Database.Database, signer: Signer, o: { classId: number; version: number; marks?: Record<string, string>; real?: boolean }) {
  const prev = db.prepare('SELECT sha256 FROM ledger_versions WHERE class_id = ? AND version = ?').get(o.classId, o.version - 1) as { sha256: string } | undefined;
  let correction: number | null = null;
  if (o.version > 1) {
    correction = Number(db.prepare(`INSERT INTO ledger_corrections (class_id, reason, order_number, order_date, opened_by, opened_at, opened_by_login)
      VALUES (?, 'исправление оценки', '12-о', '2026-06-01', 1, ?, 'admin')`).run(o.classId, new Date().toISOString()).lastInsertRowid);
    if (o.real) db.prepare('UPDATE classes SET shift = shift % 3 + 1 WHERE id = ?').run(o.classId);
  }
  const canonical = o.real ? canonicalJson(buildLedger(db, o.classId))
    : JSON.stringify({ classId: o.classId, marks: o.marks ?? { 'Иванов Иван': '5' }, version: o.version });
  const signature = await signer.sign(Buffer.from(canonical, 'utf8'));
  const pdf = Buffer.from(`%PDF-1.7\n% ведомость ${o.classId} v${o.version}\n%%EOF\n`);
  const xlsx = Buffer.concat([Buffer.from('PK\x03\x04'), crypto.randomBytes(64)]);
  const r = db.prepare(`INSERT INTO ledger_versions (class_id, version, sha256, prev_sha256, canonical_json, signature, signer, pdf, pdf_sha256,
    xlsx, xlsx_sha256, sealed_at, sealed_by, sealed_by_login, correction_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 'admin', ?)`)
    .run(o.classId, o.version, hex(canonical), prev?.sha256 ?? null, canonical, signature, signer.certificate.subject, pdf, hex(pdf), xlsx, hex(xlsx),
      new Date().toISOString(), correction);
  return { id: Number(r.lastInsertRowid), sha256: hex(canonical), canonical, signature, pdf, xlsx };
}
