// The packets CLI as a process against the reference receiver as a process (`npm run regional-segment`): build, sign,
// upload, status; a wrong password; the client killed mid-batch and run again (every packet accepted exactly once);
// build+sign+upload for several register files at once.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { cli, ROOT } from '../helpers/cli.ts';
import { adminClient, tempDir } from '../helpers/register.ts';
import { makeFixtures, opensslVerify, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';
import { packetSchool, SCHOOL } from './fixtures.ts';

let fx: Fixtures;
let passwordFile: string;
beforeAll(() => {
  fx = makeFixtures();
  passwordFile = path.join(fx.dir, 'password.txt');
  fs.writeFileSync(passwordFile, PASSWORD + '\n');
});
afterAll(() => fs.rmSync(fx.dir, { recursive: true, force: true }));

const procs: ChildProcess[] = [];
afterEach(() => {
  // the receiver runs under npm and tsx: kill its whole process group, or the node serving it outlives the test
  for (const p of procs.splice(0)) if (p.exitCode === null && p.pid) {
    try { process.kill(-p.pid, 'SIGKILL'); } catch { p.kill('SIGKILL'); }
  }
});

/** The receiver as `npm run regional-segment` starts it; resolves once it listens. */
function startReceiverProcess(args: string[]): Promise<{ url: string; dir: string; proc: ChildProcess }> {
  const dir = tempDir('sr-rs-');
  const proc = spawn('npm', ['run', '--silent', 'regional-segment', '--', '--port', '0', '--data', dir, '--trust', fx.certPem, ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  procs.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ url: m[1], dir, proc });
    });
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    proc.on('exit', (code) => reject(new Error(`receiver exited ${code}: ${err}`)));
  });
}

const acceptances = (dir: string) => {
  const f = path.join(dir, 'accepted.jsonl');
  const counts = new Map<string, number>();
  if (!fs.existsSync(f)) return counts;
  for (const l of fs.readFileSync(f, 'utf8').split('\n').filter(Boolean)) {
    const id = JSON.parse(l).packetId as string;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
};
const SURNAMES = ['Новиков', 'Захаров', 'Соколов', 'Морозов', 'Волков', 'Лебедев', 'Козлов', 'Павлов', 'Семёнов', 'Голубев'];

/** A register file with a school and, with `deltas`, that many more packets' worth of enrolments (built by the CLI). */
async function registerFile(school = SCHOOL) {
  const c = await adminClient(tempDir());
  const s = await packetSchool(c);
  if (school !== SCHOOL) await c.call('school.update', school);
  return { c, s, file: c.dbPath };
}
async function enrolMore(c: Awaited<ReturnType<typeof registerFile>>['c'], classId: number, i: number) {
  const st = await c.call('students.create', { lastName: SURNAMES[i % SURNAMES.length], firstName: 'Илья', birthDate: '2014-04-04', sex: 'М', docKind: 'passport', docNumber: String(200000 + i) });
  await c.call('orders.enrol', { order: { number: `${40 + i}-у`, date: '2025-10-01' }, studentId: st.id, classId, date: '2025-10-02' });
}
const states = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT id, seq, state FROM packets ORDER BY seq').all() as Array<{ id: string; seq: number; state: string }>;
  } finally {
    db.close();
  }
};

describe('packets CLI', () => {
  it('build → sign → upload → status against `npm run regional-segment`; the stored signature passes openssl', async () => {
    const { c, file } = await registerFile();
    c.backend.close();
    const r = await startReceiverProcess([]);
    const built = await cli('packets', 'build', '--db', file, '--json');
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    const b = JSON.parse(built.stdout);
    expect(b).toMatchObject({ seq: 1, kind: 'full', students: 3 });

    const wrong = path.join(fx.dir, 'wrong.txt');
    fs.writeFileSync(wrong, 'не тот пароль');
    const refused = await cli('packets', 'sign', '--db', file, '--cert', fx.p12Default, '--password-file', wrong);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Неверный пароль сертификата');
    expect(states(file)).toEqual([{ id: b.id, seq: 1, state: 'built' }]);

    const signed = await cli('packets', 'sign', '--db', file, '--cert', fx.p12Default, '--password-file', passwordFile);
    expect(signed.stdout).toContain('Подписано пакетов: 1 (№ 1); подпись: C=RU, O=ГБОУ Школа № 1535, CN=Смирнова Елена Викторовна');
    expect(signed.code).toBe(0);
    const logged = (() => {
      const db = new Database(file, { readonly: true });
      try { return (db.prepare('SELECT count(*) AS n FROM changes').get() as { n: number }).n; } finally { db.close(); }
    })();
    expect(logged).toBe(6); // three students and their enrolments
    const up = await cli('packets', 'upload', '--db', file, '--endpoint', r.url);
    expect(up.stdout).toMatch(/пакет № 1 принят, квитанция [0-9a-f-]{36}/);
    // the full packet accepted, the change log's entries it covers went with it (migration 0009)
    expect(up.stdout).toContain(`Журнал изменений сжат: удалено записей ${logged}`);
    expect(up.code).toBe(0);
    expect(up.stderr + up.stdout).not.toContain('Орлова');
    const st = await cli('packets', 'status', '--db', file);
    expect(st.stdout).toMatch(/№ 1\tполный\tпринят\t/);
    expect(st.stdout).toContain('принят: 1');
    expect(st.stdout).toContain('Журнал изменений: записей 0; после принятого полного пакета № 1: 0; можно удалить: 0');
    const v = opensslVerify(fx.dir, fs.readFileSync(path.join(r.dir, 'packets', `${b.id}.p7s`)), fs.readFileSync(path.join(r.dir, 'packets', `${b.id}.json`)), fx.certPem);
    expect(v.status).toBe(0);
    expect(v.stderr).toContain('Verification successful');
  });

  it('the client killed mid-batch resumes on the next run: every packet accepted exactly once', async () => {
    const { c, s, file } = await registerFile();
    const run = (...args: string[]) => cli(...args, '--db', file);
    expect((await run('packets', 'build')).code).toBe(0);
    // one enrolment per delta, built by the app while the file is also the CLI's (WAL, busy timeout)
    for (let i = 0; i < 19; i++) {
      await enrolMore(c, s.a.id, i);
      await c.call('packets.build', {});
    }
    c.backend.close();
    // the CLI's build and the app's leave the same audit entry: the method, its arguments, the packet made
    const builds = (() => {
      const db = new Database(file, { readonly: true });
      try { return db.prepare("SELECT login, detail FROM audit_log WHERE method = 'packets.build' ORDER BY id").all() as Array<{ login: string; detail: string }>; } finally { db.close(); }
    })();
    expect(builds).toHaveLength(20);
    expect(builds[0].login).toMatch(/^cli:/);
    expect(builds[1].login).not.toMatch(/^cli:/);
    const shape = (d: string) => JSON.stringify(JSON.parse(d), (k, v) => (k === 'id' ? 'ID' : v));
    expect(new Set(builds.map((b) => shape(b.detail)))).toEqual(new Set([JSON.stringify({ args: {}, result: { id: 'ID' } })]));
    expect((await run('packets', 'sign', '--cert', fx.p12Default, '--password-file', passwordFile)).stdout).toContain('Подписано пакетов: 20');
    // answers come 250 ms late: the CLI sends 8 at a time, so it is killed with some accepted, some in flight, some unsent
    const r = await startReceiverProcess(['--faults', 'slow=250']);
    const child = spawn(process.execPath, [path.join(ROOT, 'main/cli/bin.mjs'), 'packets', 'upload', '--all', '--db', file, '--endpoint', r.url],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(child);
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (acceptances(r.dir).size >= 10) {
          clearInterval(t);
          child.kill('SIGKILL');
          resolve();
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(t);
        reject(new Error('the upload finished before it could be killed'));
      });
    });
    await new Promise((res) => child.once('exit', res));
    const mid = states(file);
    expect(mid.filter((p) => p.state === 'accepted').length).toBeGreaterThan(0);
    expect(mid.filter((p) => p.state === 'accepted').length).toBeLessThan(20);
    expect(mid.some((p) => p.state === 'sending')).toBe(true); // stored by the receiver or not: the rerun finds out
    expect(mid.some((p) => p.state === 'signed')).toBe(true); // not sent yet

    const again = await run('packets', 'upload', '--all', '--endpoint', r.url);
    expect(again.stderr).not.toContain('Ошибка');
    expect(again.code).toBe(0);
    const after = states(file);
    expect(after.map((p) => p.state)).toEqual(Array(20).fill('accepted'));
    const acc = acceptances(r.dir);
    expect(acc.size).toBe(20);
    expect([...acc.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(after.map((p) => p.id))).toEqual(new Set(acc.keys()));
  });

  it('bad input exits 1: an --endpoint that is not a URL (it was an internal error, 2), or one with a login in it', async () => {
    const { c, file } = await registerFile();
    c.backend.close();
    for (const endpoint of ['http://[bad', 'http://user:secret@127.0.0.1:9/']) {
      const r = await cli('packets', 'upload', '--db', file, '--endpoint', endpoint);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^Ошибка: (Неверный адрес приёмника: http:\/\/\[bad|Адрес приёмника не должен содержать логин и пароль)\n$/);
    }
    const batch = await cli('packets', 'upload', '--endpoint', 'http://[bad', '--cert', fx.p12Default, '--password-file', passwordFile, '--registers', file);
    expect(batch.code, batch.stderr).toBe(1);
    expect(batch.stderr).toContain('Неверный адрес приёмника');
  });

  it('upload --registers: builds, signs and uploads for several register files; a file that is not a register is reported', async () => {
    const one = await registerFile();
    const two = await registerFile({ ...SCHOOL, shortName: 'ГБОУ Школа № 2', inn: '7710140679', ogrn: '1027700070518' });
    one.c.backend.close();
    two.c.backend.close();
    const bogus = path.join(tempDir(), 'not-a-register.sqlite');
    fs.writeFileSync(bogus, 'это не база');
    const r = await startReceiverProcess(['--faults', '500']);
    const res = await cli('packets', 'upload', '--endpoint', r.url, '--cert', fx.p12Default, '--password-file', passwordFile, '--concurrency', '2',
      '--registers', one.file, two.file, bogus);
    expect(res.stdout).toContain(`${one.file}: собран пакет № 1 (полный), принято 1, отклонено 0, ждут 0`);
    expect(res.stdout).toContain(`${two.file}: собран пакет № 1 (полный), принято 1, отклонено 0, ждут 0`);
    expect(res.stdout).toMatch(/not-a-register\.sqlite: ошибка — .*не является базой данных SQLite/);
    expect(res.stdout).toContain('Итого: файлов 3, принято 2, отклонено 0, ждут повтора 0, ошибок 1');
    expect(res.code).toBe(1);
    expect(acceptances(r.dir).size).toBe(2);
    // nothing changed since: a second run builds nothing and sends nothing
    const again = await cli('packets', 'upload', '--endpoint', r.url, '--cert', fx.p12Default, '--password-file', passwordFile, '--registers', one.file, two.file);
    expect(again.stdout).toContain(`${one.file}: изменений нет, принято 0`);
    expect(again.code).toBe(0);
  });
});
