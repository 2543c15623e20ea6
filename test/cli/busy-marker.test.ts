// A job of another program on the same register, seen across processes (main/shared/busy-marker.ts): the command
// line, started while another process runs a job that writes, names that job, its pid and since when, waits for it
// within its bound and then refuses (exit 1, nothing written); it goes through once the job ends. The other way round:
// the app's write waits for the CLI's job, named the same; a marker left by a killed program is ignored and removed.
// Real processes throughout: the CLI is spawned, and this test process plays "the app".
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { holdRegister, markerFile } from '../../main/shared/busy-marker.ts';
import { count, openRaw, removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { adminClient } from '../helpers/register.ts';
import { cli, ROOT, type CliRun } from '../helpers/cli.ts';

afterAll(removeScratchDirs);

type Running = { child: ChildProcess; done: Promise<CliRun>; stderr: () => string };

function start(wait: string, ...args: string[]): Running {
  const child = spawn(process.execPath, [path.join(ROOT, 'main/cli/bin.mjs'), ...args], { cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', SCHOOL_REGISTER_BUSY_WAIT: wait }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done, stderr: () => stderr };
}

async function until(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const hhmm = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
const studentArgs = (db: string) => ['students', 'add', '--last', 'Иванов', '--first', 'Пётр', '--birth', '01.02.2015', '--sex', 'М', '--db', db];

describe('a job of another program holds the register', () => {
  it('the CLI names it (job, pid, since when), waits its bound, then exit 1 with nothing written', async () => {
    const dir = scratchDir('sr-busy-marker-');
    const db = path.join(dir, 'register.sqlite');
    expect((await cli('init', '--db', db)).code).toBe(0);
    const release = holdRegister(db, 'закрытие учебного года'); // this process: "the app" in the middle of a job
    const since = new Date(JSON.parse(fs.readFileSync(markerFile(db), 'utf8')).startedAt);
    const app = openRaw(db);
    app.exec('BEGIN IMMEDIATE'); // …and its write transaction
    let held: CliRun;
    try {
      held = await start('1', ...studentArgs(db)).done;
    } finally {
      app.exec('ROLLBACK');
      app.close();
      release();
    }
    expect(held.code, held.stderr).toBe(1);
    const named = `Реестр занят другой программой: идёт «закрытие учебного года» (pid ${process.pid}) с ${hhmm(since)}`;
    expect(held.stderr).toContain(`${named}; ждём до 1 с`);
    expect(held.stderr).toContain(`Ошибка: ${named}; ждали 1 с. Ничего не записано — повторите, когда она закончит`);
    expect(held.stderr).not.toMatch(/предпросмотр|Внутренняя/);
    expect(fs.existsSync(markerFile(db))).toBe(false); // the job's end removed it
    const check = openRaw(db);
    expect(count(check, 'students')).toBe(0);
    check.close();
  });

  it('the CLI waits while the job runs and goes through when it ends, within its bound', async () => {
    const dir = scratchDir('sr-busy-marker-');
    const db = path.join(dir, 'register.sqlite');
    expect((await cli('init', '--db', db)).code).toBe(0);
    const release = holdRegister(db, 'импорт из журнала 5А.xlsx');
    const run = start('120', ...studentArgs(db));
    try {
      await until('the CLI to say it waits', () => run.stderr().includes('ждём до 120 с'));
      expect(run.stderr()).toContain(`идёт «импорт из журнала 5А.xlsx» (pid ${process.pid})`);
    } finally {
      release();
    }
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Добавлен\(а\) Иванов Пётр/);
  });

  it("the app's write waits for the CLI's job, named; once the CLI is killed its marker is ignored and removed", async () => {
    const c = await adminClient(scratchDir('sr-busy-marker-'));
    // a demo school large enough to outlast the app's 5 s wait on a busy machine; killed once it has been seen
    const run = start('30', 'demo', '--students', '50000', '--db', c.dbPath);
    try {
      await until('the CLI demo to mark the register', () => fs.existsSync(markerFile(c.dbPath)));
      const marker = JSON.parse(fs.readFileSync(markerFile(c.dbPath), 'utf8'));
      expect(marker).toMatchObject({ pid: run.child.pid, job: 'заполнение демонстрационной школой' });
      expect((fs.statSync(markerFile(c.dbPath)).mode & 0o777).toString(8)).toBe('600');
      const r = await c.raw('users.create', { login: 'clerk', fullName: 'Иванова Анна', role: 'clerk', password: 'clerk password 1' });
      expect(r.ok, JSON.stringify(r) + run.stderr()).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('conflict');
        expect(r.error.message).toMatch(new RegExp(`^Реестр занят другой программой: идёт «заполнение демонстрационной школой» \\(pid ${run.child.pid}\\) с \\d\\d:\\d\\d; ждали 5 с\\.`));
      }
    } finally {
      run.child.kill('SIGKILL');
    }
    await run.done;
    expect(fs.existsSync(markerFile(c.dbPath))).toBe(true); // a killed program removes nothing
    const ok = await c.raw('users.create', { login: 'clerk', fullName: 'Иванова Анна', role: 'clerk', password: 'clerk password 1' });
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
    expect(fs.existsSync(markerFile(c.dbPath))).toBe(false);
    c.backend.close();
  });

  it('a marker of a process that is gone does not hold anyone: the CLI writes at once and removes it', async () => {
    const dir = scratchDir('sr-busy-marker-');
    const db = path.join(dir, 'register.sqlite');
    expect((await cli('init', '--db', db)).code).toBe(0);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(gone.stdout);
    fs.writeFileSync(markerFile(db), JSON.stringify({ pid, job: 'закрытие учебного года', startedAt: new Date().toISOString(), host: (await import('node:os')).hostname() }));
    const r = await start('30', ...studentArgs(db)).done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('занят');
    expect(fs.existsSync(markerFile(db))).toBe(false);
  });
});
