// The ledger commands as a script runs them (`node main/cli/bin.mjs`, exit codes, files written), and the fault
// that matters most for a year-end close: the process killed in the middle of sealing a year. Each class is sealed
// in its own transaction, so the register is left with some classes sealed whole and the rest not sealed at all,
// and running the command again completes the year.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ROOT } from '../helpers/cli.ts';
import { tempDir } from '../helpers/register.ts';
import { makeFixtures, opensslVerify, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';
import { sealingSchool } from './sealing-school.ts';
import { verifyAuditChain } from '../../main/audit/verify.ts';
import crypto from 'node:crypto';

const sha = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

/** The CLI with extra environment variables (cli() passes the test's own). */
function cliEnv(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'main/cli/bin.mjs'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('ledger print / seal / verify / correct', () => {
  let fx: Fixtures;
  let db: string;
  let dir: string;
  beforeAll(async () => {
    fx = makeFixtures();
    const f = await sealingSchool();
    f.c.backend.close();
    db = f.c.dbPath;
    dir = f.dir;
  });
  afterAll(() => fs.rmSync(fx.dir, { recursive: true, force: true }));

  it('prints a draft PDF and XLSX; usage errors exit 1 with one clear line', async () => {
    const out = path.join(dir, 'draft.pdf'), xlsx = path.join(dir, 'draft.xlsx');
    const r = await cli('ledger', 'print', '--class', '5А', '--year', '2025/2026', '--out', out, '--xlsx', xlsx, '--db', db);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    expect(fs.readFileSync(xlsx).subarray(0, 2).toString()).toBe('PK');
    const noClass = await cli('ledger', 'print', '--class', '7Я', '--year', '2025/2026', '--out', out, '--db', db);
    expect([noClass.code, noClass.stderr.trim()]).toEqual([1, 'Ошибка: класс 7Я в 2025/2026 не найден']);
    const noOut = await cli('ledger', 'print', '--class', '5А', '--year', '2025/2026', '--db', db);
    expect([noOut.code, noOut.stderr.trim()]).toEqual([1, 'Ошибка: укажите, куда сохранить: --out ФАЙЛ.pdf и/или --xlsx ФАЙЛ.xlsx']);
    const noVersion = await cli('ledger', 'print', '--class', '5А', '--year', '2025/2026', '--version', '1', '--out', out, '--db', db);
    expect(noVersion.code).toBe(1);
    expect(noVersion.stderr).toMatch(/Версии 1 ведомости этого класса нет/);
  });

  it('a wrong certificate password exits 1 naming it; no password and no terminal is a clear error; nothing sealed', async () => {
    const wrong = await cliEnv({ SCHOOL_REGISTER_CERT_PASSWORD: 'wrong' }, 'ledger', 'seal', '--year', '2025/2026', '--class', '5А', '--cert', fx.p12Default, '--db', db);
    expect([wrong.code, wrong.stderr.trim()]).toEqual([1, 'Ошибка: Неверный пароль сертификата']);
    const env = { ...process.env };
    delete env.SCHOOL_REGISTER_CERT_PASSWORD;
    const none = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [path.join(ROOT, 'main/cli/bin.mjs'), 'ledger', 'seal', '--year', '2025/2026', '--cert', fx.p12Default, '--db', db],
        { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      p.on('close', (code) => resolve({ code, stderr }));
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/SCHOOL_REGISTER_CERT_PASSWORD/);
    const raw = new Database(db, { readonly: true });
    expect(raw.prepare('SELECT count(*) FROM ledger_versions').pluck().get()).toBe(0);
    raw.close();
  });

  it('seals one class signed, prints that version as stored, verifies it; correct + reseal makes version 2', async () => {
    const sealed = await cliEnv({ SCHOOL_REGISTER_CERT_PASSWORD: PASSWORD }, 'ledger', 'seal', '--year', '2025/2026', '--class', '5А', '--cert', fx.p12Default, '--db', db, '--json');
    expect(sealed.stderr).toBe('');
    expect(sealed.code).toBe(0);
    const v = JSON.parse(sealed.stdout) as { code: string; signer: string; version: number };
    expect(v).toMatchObject({ version: 1, signer: 'C=RU, O=ГБОУ Школа № 1535, CN=Смирнова Елена Викторовна' });
    const out = path.join(dir, 'v1.pdf');
    expect((await cli('ledger', 'print', '--class', '5А', '--year', '2025/2026', '--version', '1', '--out', out, '--db', db)).code).toBe(0);
    const raw = new Database(db, { readonly: true });
    const row = raw.prepare('SELECT pdf, canonical_json, signature, sealed_by, sealed_by_login FROM ledger_versions WHERE version = 1').get() as
      { pdf: Buffer; canonical_json: string; signature: Buffer; sealed_by: number | null; sealed_by_login: string };
    raw.close();
    expect(sha(fs.readFileSync(out))).toBe(sha(row.pdf));
    expect(row.sealed_by).toBeNull();
    expect(row.sealed_by_login).toMatch(/^cli:/);
    expect(opensslVerify(fx.dir, row.signature, Buffer.from(row.canonical_json, 'utf8'), fx.certPem).status).toBe(0);
    const byPdf = await cli('ledger', 'verify', '--pdf', out, '--db', db);
    expect([byPdf.code, byPdf.stdout.trim().split('\n')[0]]).toEqual([0, 'Подлинная текущая версия 1 ведомости 5А, 2025/2026: данные реестра совпадают с запечатанными']);
    // the signature's lines follow: intact, no roots configured for this register, who signed; then the time: sealed
    // without a TSA (issue 14: trusted time), and said so
    expect(byPdf.stdout).toContain('Время подписи: без штампа времени');
    expect(byPdf.stdout).toContain('Подпись: Подпись цела; доверие к подписавшему не проверялось: доверенные корневые сертификаты не заданы');
    expect(byPdf.stdout).toContain('Подписал: Смирнова Елена Викторовна, ГБОУ Школа № 1535');
    // trusting its own self-signed certificate, the path is one certificate long and reaches it
    const trusted = await cli('ledger', 'verify', '--pdf', out, '--db', db, '--trust', fx.certPem);
    expect(trusted.code).toBe(0);
    expect(trusted.stdout).toContain('Подпись: Подпись верна, цепочка сертификатов доходит до доверенного корня «Смирнова Елена Викторовна»');
    const foreign = await cli('ledger', 'verify', '--pdf', out, '--db', db, '--trust', fx.caCertPem);
    expect(foreign.code).toBe(1);
    expect(foreign.stdout.split('\n')[0]).toBe('Версия ' + v.code + ' (5А, 2025/2026): Подпись цела, но цепочка не доходит до доверенного корня: корневой сертификат "Смирнова Елена Викторовна" не входит в число доверенных');

    const corrected = await cli('ledger', 'correct', '--class', '5А', '--year', '2025/2026', '--reason', 'Ошибка в оценке по русскому языку',
      '--order', '15-к', '--order-date', '10.06.2026', '--db', db);
    expect(corrected.stderr).toBe('');
    expect(corrected.stdout).toContain('открыто исправление по приказу № 15-к от 10.06.2026');
    const resealed = await cli('ledger', 'seal', '--year', '2025/2026', '--class', '5А', '--db', db);
    expect(resealed.stdout).toMatch(/^5А: запечатана версия 2, код [0-9A-F]{8}-v2$/m);
    // Version 1 is still a sealed version, no longer the current one: exit 1.
    const old = await cli('ledger', 'verify', '--pdf', out, '--db', db);
    expect(old.code).toBe(1);
    expect(old.stdout).toMatch(/^Запечатанная версия 1 ведомости 5А, 2025\/2026, но не текущая: действует версия 2/);
    const audit = new Database(db, { readonly: true });
    const correct = audit.prepare("SELECT login, detail FROM audit_log WHERE method = 'ledgers.correct'").get() as { login: string; detail: string };
    audit.close();
    expect(correct.login).toMatch(/^cli:/);
    expect(JSON.parse(correct.detail).args.reason).toBe('Ошибка в оценке по русскому языку');
  });

  it('asks for the certificate password on a terminal, without echoing it', async () => {
    const env = { ...process.env };
    delete env.SCHOOL_REGISTER_CERT_PASSWORD;
    const command = [process.execPath, path.join(ROOT, 'main/cli/bin.mjs'), 'ledger', 'seal', '--year', '2025/2026', '--class', '5Б', '--cert', fx.p12Default, '--db', db]
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    // `script` gives the CLI a pseudo-terminal; the password is typed only once the prompt is shown.
    const r = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const p = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let typed = false;
      p.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (!typed && out.includes('Пароль сертификата default.p12: ')) {
          typed = true;
          p.stdin.write(`${PASSWORD}\r`);
        }
      });
      p.on('error', reject);
      p.on('close', (code) => resolve({ code, out }));
    });
    expect(r.out).toMatch(/5Б: запечатана версия 1, код [0-9A-F]{8}-v1, подпись: C=RU, O=ГБОУ Школа № 1535, CN=Смирнова Елена Викторовна/);
    expect(r.out).not.toContain(PASSWORD);
    expect(r.code).toBe(0);
  });
});

describe('killed in the middle of sealing a year', () => {
  it('leaves every class sealed whole or not at all; a rerun completes the year', async () => {
    const dir = tempDir('sr-ledger-kill-');
    const db = path.join(dir, 'register.sqlite');
    const demo = await cli('demo', '--students', '400', '--seed', '7', '--db', db);
    expect(demo.code).toBe(0);
    const year = (await cli('years', 'list', '--json', '--db', db));
    // the previous year: the demo's is closed and complete (the current one is marked only up to today)
    const yearName = (JSON.parse(year.stdout) as Array<{ name: string }>).map((y) => y.name).sort().at(-2)!;
    const raw0 = new Database(db, { readonly: true });
    const classes = raw0.prepare('SELECT count(*) FROM classes c JOIN academic_years y ON y.id = c.year_id WHERE y.name = ?').pluck().get(yearName) as number;
    raw0.close();
    expect(classes).toBeGreaterThan(5);

    // Kill the process as soon as it reports its first sealed class: it is then at work on the next one.
    const killed = await new Promise<{ signal: NodeJS.Signals | null; stdout: string }>((resolve, reject) => {
      const p = spawn(process.execPath, [path.join(ROOT, 'main/cli/bin.mjs'), 'ledger', 'seal', '--year', yearName, '--allow-na', '--db', db],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      p.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
        if (/: запечатана, код/.test(stdout)) p.kill('SIGKILL');
      });
      p.on('error', reject);
      p.on('close', (_code, signal) => resolve({ signal, stdout }));
    });
    expect(killed.signal).toBe('SIGKILL');

    const raw = new Database(db);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    const versions = raw.prepare(`SELECT v.class_id, v.version, v.sha256, v.canonical_json, v.pdf, v.pdf_sha256, v.xlsx, v.xlsx_sha256 FROM ledger_versions v`).all() as
      Array<{ class_id: number; version: number; sha256: string; canonical_json: string; pdf: Buffer; pdf_sha256: string; xlsx: Buffer; xlsx_sha256: string }>;
    expect(versions.length).toBeGreaterThanOrEqual(1);
    expect(versions.length).toBeLessThan(classes);
    for (const v of versions) {
      // A whole version: its JSON, PDF and XLSX all there and matching their hashes.
      expect(v.version).toBe(1);
      expect(sha(v.canonical_json)).toBe(v.sha256);
      expect(sha(v.pdf)).toBe(v.pdf_sha256);
      expect(sha(v.xlsx)).toBe(v.xlsx_sha256);
      expect(v.pdf.subarray(0, 5).toString()).toBe('%PDF-');
    }
    // Each sealed class has its audit entry and no other class has one: version and audit were one transaction.
    const audited = (raw.prepare("SELECT detail FROM audit_log WHERE method = 'ledgers.seal'").pluck().all() as string[]).map((d) => JSON.parse(d).classId as number).sort();
    expect(audited).toEqual(versions.map((v) => v.class_id).sort());
    expect(verifyAuditChain(raw).ok).toBe(true);
    raw.close();

    const rerun = await cli('ledger', 'seal', '--year', yearName, '--allow-na', '--db', db);
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain(`Итого за ${yearName}: запечатано ${classes - versions.length}, уже были запечатаны ${versions.length}, не запечатано 0`);
    const after = new Database(db, { readonly: true });
    expect(after.prepare(`SELECT count(DISTINCT class_id) FROM ledger_versions v JOIN classes c ON c.id = v.class_id JOIN academic_years y ON y.id = c.year_id
      WHERE y.name = ?`).pluck().get(yearName)).toBe(classes);
    expect(after.prepare('SELECT count(*) FROM ledger_versions WHERE version > 1').pluck().get()).toBe(0);
    after.close();
  }, 120_000);
});
