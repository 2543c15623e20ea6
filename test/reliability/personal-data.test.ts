// Personal data and secrets in logs (issue 7). The browser shell runs as its own process, a clerk's day goes through it
// over HTTP (students with ФИО and СНИЛС, wrong passwords, refused imports), and everything the process wrote to
// stdout and stderr is scanned for every name, СНИЛС, password and token used. The one line that hands the user the
// URL with its token is the shell's purpose and is the only exception. Other suites add their logs here as they land
// (the packet receiver, backups) and encrypted backups are scanned for plaintext.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrubForLog } from '../../main/shared/log.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { ROOT } from '../helpers/cli.ts';
import { postCall } from '../helpers/http.ts';
import { writeBook } from '../workbooks/make.ts';
import { recordFigures } from './crash.ts';
import fs from 'node:fs';
import { startReceiver } from '../regional-segment/server.ts';
import { makeFixtures, PASSWORD } from '../signing/openssl-fixtures.ts';
import { packetSchool } from '../packets/fixtures.ts';
import { adminClient } from '../helpers/register.ts';
import { cli } from '../helpers/cli.ts';
import { backupRegister } from '../../main/backup/backup.ts';

const TOKEN = 'pd-token-' + 'x'.repeat(40);
const ADMIN_PASSWORD = 'Очень-секретный-пароль-2026';
const PEOPLE = [
  { lastName: 'Ёлкина', firstName: 'Злата', middleName: 'Ростиславовна', snils: '112-233-445 95', birthDate: '2014-03-01' },
  { lastName: 'Шереметьев', firstName: 'Всеволод', middleName: 'Игоревич', snils: null, birthDate: '2013-11-30' },
];

let server: ChildProcess;
let port: number;
let log = '';
const figures = { runs: 0, detected: 0 };

afterAll(async () => {
  // the shell closes the register on SIGTERM (its anchor written, the WAL folded in): wait for that before its folder goes
  if (server && server.exitCode === null && server.signalCode === null) {
    const gone = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await gone;
  }
  recordFigures('personal-data', { suite: 'personal-data', runs: figures.runs, detected: figures.detected, repaired: 0, lost: 0,
    failures: figures.detected, worst: figures.detected ? 'personal data or a secret found in a log' : `none in ${log.split('\n').length} log lines` });
  removeScratchDirs();
});

beforeAll(async () => {
  const dir = scratchDir();
  const db = path.join(dir, 'register.sqlite');
  server = spawn(process.execPath, [path.join(ROOT, 'main/host/serve.mjs'), '--db', db, '--port', '0'],
    { cwd: ROOT, env: { ...process.env, SCHOOL_REGISTER_HTTP_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.setEncoding('utf8').on('data', (d: string) => (log += d));
  server.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
  for (let i = 0; i < 200 && !/127\.0\.0\.1:(\d+)/.test(log); i++) await new Promise((r) => setTimeout(r, 100));
  port = Number(/127\.0\.0\.1:(\d+)/.exec(log)![1]);
}, 180_000);

async function call(method: string, args: unknown, session?: string) {
  const r = await postCall({ port, token: TOKEN }, { method, args, session });
  return r.json as { ok: boolean; value?: any; error?: { message: string } };
}

describe('personal data and secrets in logs', () => {
  it('a clerk\'s day through the browser shell leaves no ФИО, СНИЛС, password or token in its output', async () => {
    const admin = await call('auth.setupAdmin', { login: 'admin', fullName: 'Завуч Марья Петровна', password: ADMIN_PASSWORD });
    expect(admin.ok).toBe(true);
    const s = admin.value.session as string;
    await call('auth.signIn', { login: 'admin', password: 'Неверный-пароль-1' });
    const year = await call('years.create', { name: '2025/2026' }, s);
    const cls = await call('classes.create', { yearId: year.value.id, parallel: 5, letter: 'А' }, s);
    for (const p of PEOPLE) {
      const st = await call('students.create', { ...p, sex: 'Ж', guardians: [{ kind: 'отец', fullName: 'Ёлкин Ростислав Олегович', phone: '+7 900 123-45-67', email: null }] }, s);
      expect(st.ok, JSON.stringify(st)).toBe(true);
      if (st.ok) await call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: st.value.id, classId: cls.value.id, date: '2025-09-01' }, s);
    }
    // refusals that quote the data back to the user (in the answer, not in the log)
    await call('students.create', { ...PEOPLE[0], snils: '112-233-445 96', sex: 'Ж', guardians: [] }, s);
    const dir = scratchDir();
    const book = await writeBook(dir, 'j.xlsx', { '5А': [['ФИО', 'Дата рождения', 'Математика 1 четв.'], ['Ёлкина Злата Ростиславовна', '01.03.2014', 9]] });
    const data = (await import('node:fs')).readFileSync(book).toString('base64');
    await call('import.preview', { kind: 'marks', fileName: 'j.xlsx', dataBase64: data, year: '2025/2026' }, s);
    await call('students.search', { query: 'Шереметьев' }, s);
    await call('auth.signOut', {}, s);
    await new Promise((r) => setTimeout(r, 300));

    expect(log, 'the shell\'s output was captured').toContain('Реестр:');
    const lines = log.split('\n').filter((l) => !l.startsWith('School Register: http://127.0.0.1:')); // the hand-off URL
    const text = lines.join('\n');
    const secrets = [ADMIN_PASSWORD, 'Неверный-пароль-1', TOKEN, s];
    const personal = [...PEOPLE.flatMap((p) => [p.lastName, p.firstName, p.middleName, p.snils, p.snils?.replace(/\D/g, '')]),
      'Ёлкин Ростислав', '123-45-67', 'Завуч Марья'].filter(Boolean) as string[];
    const found = [...secrets, ...personal].filter((x) => text.includes(x));
    figures.runs += secrets.length + personal.length;
    figures.detected += found.length;
    expect(found, `the shell's output:\n${text}`).toEqual([]);
  }, 120_000);

  it('the packet receiver\'s log and the client\'s output carry no ФИО, СНИЛС, password or certificate', async () => {
    const fx = makeFixtures();
    const lines: string[] = [];
    const receiver = await startReceiver({ port: 0, dataDir: path.join(scratchDir(), 'rs'), trustPem: [fs.readFileSync(fx.certPem, 'utf8')], log: (l) => lines.push(l) });
    try {
      const c = await adminClient(scratchDir());
      await packetSchool(c);
      await c.call('packets.build', {});
      c.backend.close();
      const pw = path.join(fx.dir, 'pw.txt');
      fs.writeFileSync(pw, PASSWORD + '\n');
      const signed = await cli('packets', 'sign', '--cert', fx.p12Default, '--password-file', pw, '--db', c.dbPath);
      const sent = await cli('packets', 'upload', '--all', '--db', c.dbPath, '--endpoint', receiver.url);
      expect(receiver.acceptances().size, sent.stderr).toBe(1);
      const text = [...lines, signed.stdout, signed.stderr, sent.stdout, sent.stderr].join('\n');
      expect(lines.length, 'the receiver logged its requests').toBeGreaterThan(0);
      const needles = ['Орлова', 'Мария', 'Ёлкин', 'Алиев', 'Тимур', '11223344595', '112-233-445 95', '08765430300', '654321', PASSWORD,
        fs.readFileSync(fx.p12Default).toString('base64').slice(0, 40)];
      const found = needles.filter((x) => text.includes(x));
      figures.runs += needles.length;
      figures.detected += found.length;
      expect(found, text).toEqual([]);
    } finally {
      await receiver.close();
      fs.rmSync(fx.dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('an encrypted backup holds no ФИО or СНИЛС in clear; a plain one does (the scan sees them)', async () => {
    const c = await adminClient(scratchDir());
    await packetSchool(c); // Орлова Мария Игоревна, СНИЛС 112-233-445 95; Ёлкин Пётр; Алиев Тимур, 087-654-303 00
    const [plain, enc] = [scratchDir(), scratchDir()];
    const r = await backupRegister(c.backend.db, { destinations: [{ path: plain, passphrase: null }, { path: enc, passphrase: 'длинная парольная фраза архивиста' }], confirmSameDevice: true });
    c.backend.close();
    expect(r.state, r.message).toBe('ok');
    const bytesOf = (dir: string): Buffer[] => fs.readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile()).map((d) => fs.readFileSync(path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name)));
    const needles = ['Орлова', 'Игоревна', 'Ёлкин', 'Алиев', 'Русланович', '11223344595', '08765430300']
      .flatMap((x) => [Buffer.from(x, 'utf8'), Buffer.from(x, 'utf16le')]);
    const hits = (dir: string) => needles.filter((n) => bytesOf(dir).some((b) => b.includes(n))).map((n) => n.toString(n.includes(0) ? 'utf16le' : 'utf8'));
    expect(hits(plain).length, 'the plain copy has the names: the scan works').toBeGreaterThan(0);
    const leaked = hits(enc);
    figures.runs += needles.length;
    figures.detected += leaked.length;
    expect(leaked).toEqual([]);
  }, 120_000);

  it('an internal error is logged with its code locations and without the data it quotes', () => {
    const e = new Error('response does not match the contract: lastName «Ёлкина», snils 112-233-445 95, 11223344595, token=abc123');
    const line = scrubForLog(e.stack!);
    expect(line).toContain('response does not match the contract');
    expect(line).toMatch(/personal-data\.test\.ts:\d+/);
    for (const x of ['Ёлкина', '112-233-445 95', '11223344595', 'abc123']) expect(line).not.toContain(x);
  });
});
