// Trusted time on the command line (`ledger seal`, `ledger verify`, `packets sign` with --tsa/--tsa-ca/--tsa-failure
// and SCHOOL_REGISTER_TSA_URL) against the reference TSA, as a script runs it; and on packets: a timestamped packet
// signature still passes `openssl cms -verify` and the reference receiver accepts it; a failing TSA with «refuse»
// leaves every packet unsigned, with «without_time» signs them and says so.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { extractTimestampToken } from '../../main/signing/timestamp.ts';
import { ROOT } from '../helpers/cli.ts';
import { adminClient, tempDir } from '../helpers/register.ts';
import { sealingSchool } from '../ledgers/sealing-school.ts';
import { startReceiver } from '../regional-segment/server.ts';
import { openssl, opensslVerify, PASSWORD } from '../signing/openssl-fixtures.ts';
import { packetSchool } from './fixtures.ts';
import { fixturesWithTsa, signatureValue } from '../signing/with-tsa.ts';

/** The CLI (`node main/cli/bin.mjs`) with the certificate's password and extra environment variables. */
function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCHOOL_REGISTER_TSA')));
    const p = spawn(process.execPath, [path.join(ROOT, 'main/cli/bin.mjs'), ...args], { cwd: ROOT,
      env: { ...clean, NO_COLOR: '1', SCHOOL_REGISTER_CERT_PASSWORD: PASSWORD, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const pki = fixturesWithTsa();

const read = <T>(file: string, sql: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
};

describe('trusted time on the command line', () => {
  it('ledger seal --tsa … --tsa-ca …, ledger verify --tsa-ca; a TSA down refuses; SCHOOL_REGISTER_TSA_URL with without-time seals and says so', async () => {
    const f = await sealingSchool();
    f.c.backend.close();
    const db = f.c.dbPath;
    const seal = (env: Record<string, string>, cls: string, ...more: string[]) =>
      cli(env, 'ledger', 'seal', '--class', cls, '--year', '2025/2026', '--cert', pki.fx.p12Default, '--db', db, ...more);

    const ok = await seal({}, '5А', '--tsa', pki.tsa.url, '--tsa-ca', pki.tsa.caFile);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/5А: запечатана версия 1, код ([0-9A-F]{8}-v1), подпись: .*, штамп времени \d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d UTC \(служба «Эталонная служба времени TSA»\)/);
    const code = /код ([0-9A-F]{8}-v1)/.exec(ok.stdout)![1];
    const verified = await cli({}, 'ledger', 'verify', '--code', code, '--tsa-ca', pki.tsa.caFile, '--db', db);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/Время подписи: штамп времени .* \(служба «Эталонная служба времени TSA»\)/);
    // the token in the register, checked by openssl
    const [row] = read<{ signature: Buffer }>(db, "SELECT signature FROM ledger_versions WHERE version = 1 AND sha256 LIKE '" + code.slice(0, 8).toLowerCase() + "%'");
    fs.writeFileSync(path.join(pki.fx.dir, 'cli-token.der'), extractTimestampToken(row.signature)!);
    const digest = crypto.createHash('sha256').update(signatureValue(row.signature)).digest('hex');
    expect(openssl(['ts', '-verify', '-token_in', '-in', 'cli-token.der', '-digest', digest, '-CAfile', pki.tsa.caFile], pki.fx.dir).status).toBe(0);

    // a URL without its CA is a usage error; nothing sealed
    const noCa = await seal({}, '5Б', '--tsa', pki.tsa.url);
    expect(noCa.code).toBe(1);
    expect(noCa.stderr).toMatch(/укажите её доверенный сертификат: --tsa-ca/);

    await pki.tsa.setFault('down');
    try {
      const refused = await seal({ SCHOOL_REGISTER_TSA_URL: pki.tsa.url, SCHOOL_REGISTER_TSA_CA: pki.tsa.caFile }, '5Б');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(pki.tsa.url);
      expect(refused.stderr).toMatch(/недоступна: соединение отклонено\. Ведомость класса 5Б не запечатана/);
      expect(read(db, 'SELECT 1 FROM ledger_versions')).toHaveLength(1);
      const without = await seal({ SCHOOL_REGISTER_TSA_URL: pki.tsa.url, SCHOOL_REGISTER_TSA_CA: pki.tsa.caFile }, '5Б', '--tsa-failure', 'without-time');
      expect(without.stderr).toBe('');
      expect(without.code).toBe(0);
      expect(without.stdout).toMatch(/5Б: запечатана версия 1, код [0-9A-F]{8}-v1, подпись: .*, без штампа времени \(Служба штампов времени .* недоступна: соединение отклонено\)/);
      const code5b = /код ([0-9A-F]{8}-v1)/.exec(without.stdout)![1];
      const v = await cli({}, 'ledger', 'verify', '--code', code5b, '--db', db);
      expect(v.code).toBe(0);
      expect(v.stdout).toContain('Время подписи: без штампа времени');
    } finally {
      await pki.tsa.setFault(null);
    }
  }, 180_000);

  it('packets sign --tsa: the signature passes openssl and the reference receiver; a garbage TSA refuses or, with without-time, signs and says so', async () => {
    const c = await adminClient(tempDir());
    await packetSchool(c);
    c.backend.close();
    const db = c.dbPath;
    expect((await cli({}, 'packets', 'build', '--db', db)).code).toBe(0);

    await pki.tsa.setFault('garbage');
    try {
      const refused = await cli({}, 'packets', 'sign', '--db', db, '--cert', pki.fx.p12Default, '--tsa', pki.tsa.url, '--tsa-ca', pki.tsa.caFile);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/прислала не ответ RFC 3161: штамп времени не получен\. Пакеты не подписаны/);
      expect(read<{ state: string }>(db, 'SELECT state FROM packets')).toEqual([{ state: 'built' }]);
    } finally {
      await pki.tsa.setFault(null);
    }
    const signed = await cli({}, 'packets', 'sign', '--db', db, '--cert', pki.fx.p12Default, '--tsa', pki.tsa.url, '--tsa-ca', pki.tsa.caFile);
    expect(signed.stderr).toBe('');
    expect(signed.stdout).toMatch(/Подписано пакетов: 1 \(№ 1\); подпись: .*; со штампом времени: 1/);
    const [p] = read<{ canonical_json: string; signature: Buffer }>(db, 'SELECT canonical_json, signature FROM packets');
    expect(extractTimestampToken(p.signature)).not.toBeNull();
    expect(opensslVerify(pki.fx.dir, p.signature, Buffer.from(p.canonical_json, 'utf8'), pki.fx.certPem).status).toBe(0);
    const audit = read<{ detail: string }>(db, "SELECT detail FROM audit_log WHERE method = 'packets.sign'");
    expect(JSON.parse(audit.at(-1)!.detail).result).toMatchObject({ tsa: pki.tsa.url, timestamped: 1, timestampFailure: null });

    const dataDir = tempDir();
    const receiver = await startReceiver({ port: 0, dataDir, trustPem: [fs.readFileSync(pki.fx.certPem, 'utf8')] });
    try {
      const up = await cli({}, 'packets', 'upload', '--db', db, '--endpoint', receiver.url);
      expect(up.stdout).toMatch(/пакет № 1 принят/);
      expect(up.code).toBe(0);
    } finally {
      await receiver.close();
    }

    // with without-time: the next packet is signed and the run says it has no time
    const c2 = await adminClient(tempDir());
    await packetSchool(c2);
    c2.backend.close();
    expect((await cli({}, 'packets', 'build', '--db', c2.dbPath)).code).toBe(0);
    await pki.tsa.setFault('http500');
    try {
      const without = await cli({}, 'packets', 'sign', '--db', c2.dbPath, '--cert', pki.fx.p12Default, '--tsa', pki.tsa.url, '--tsa-ca', pki.tsa.caFile, '--tsa-failure', 'without-time');
      expect(without.code).toBe(0);
      expect(without.stdout).toMatch(/Подписано пакетов: 1 .*; без штампа времени: Служба штампов времени .* ответила ошибкой HTTP 500/);
      const [q] = read<{ state: string; signature: Buffer }>(c2.dbPath, 'SELECT state, signature FROM packets');
      expect(q.state).toBe('signed');
      expect(extractTimestampToken(q.signature)).toBeNull();
    } finally {
      await pki.tsa.setFault(null);
    }
  }, 180_000);
});
