// Forged copies (issue 15): a bag made by backup.start, its register snapshot edited behind the program and the bag's
// manifests, tag manifest and Payload-Oxum recomputed, so BagIt validation (and coreutils) passes. (1) A sealed mark
// changed with its lock triggers dropped: refused by `restore --drill`, `restore --to` (exit 1, the difference named)
// and the app's restore over the open register. (2) The archivist's role raised to admin in the copy: restored over the
// open register by the archivist, the archivist stays an archivist; an admin who confirms takes the copy's accounts.
// (3) Audit entries rewritten or dropped with the chain re-hashed: the first differing entry is named and the restore
// refused unless an admin confirms.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryHash } from '../../main/audit/log.ts';
import { runCli } from '../../main/cli/index.ts';
import { rederiveSealed } from '../../main/ledgers/verify.ts';
import type { RestoreJobResult } from '../../preload/contract-archive.ts';
import { sealingSchool, type SealingSchool } from '../ledgers/sealing-school.ts';
import { asUsers } from './as-users.ts';
import { coreutilsValidate, forgeCopy, rebagWithKey } from './fixtures.ts';

let f: SealingSchool;
let bag: string;
const PASSWORDS: Record<string, string> = { admin: 'correct horse 1', arch: 'archivist-password-1' };

const { sessions, call, value, signIn, jobEnd } = asUsers(() => f.c.backend, PASSWORDS);

let n = 0;
/**
 * A copy of the genuine bag on a medium of its own, edited by `tamper` (a raw connection), re-bagged and signed with
 * the backup key — a forger who could read the key: these checks must hold even then (the key's own tests, of a forger
 * without it, are in bag-key.test.ts).
 */
async function forged(tamper: (raw: Database.Database) => void): Promise<{ dir: string; mediaId: number; name: string }> {
  const medium = path.join(f.dir, `forged-${++n}`);
  const dir = forgeCopy(bag, medium, tamper, rebagWithKey);
  const { id } = await value<{ id: number }>('admin', 'media.add', { label: `forged-${n}`, kind: 'usb', room: 'Каб. 12', path: medium, encrypted: false });
  return { dir, mediaId: id, name: path.basename(bag) };
}

async function restoreOpen(who: string, copy: { mediaId: number; name: string }, extra: Record<string, unknown> = {}) {
  const { jobId } = await value<{ jobId: string }>(who, 'backup.restoreOpen', { mediaId: copy.mediaId, bag: copy.name, ...extra });
  return jobEnd<RestoreJobResult>(who, jobId);
}

async function cli(argv: string[]): Promise<{ code: number; said: string }> {
  let said = '';
  const code = await runCli(argv, { out: (s) => { said += s + '\n'; return true; }, err: (s) => { said += s + '\n'; return true; } });
  return { code, said };
}

const markChanged = (raw: Database.Database) => {
  for (const t of raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND (name LIKE '%sealed%' OR name LIKE 'ledger_versions_no_%')").pluck().all() as string[]) {
    raw.exec(`DROP TRIGGER "${t}"`);
  }
  const cell = [f.students.ivanov.id, f.s.rus.id, f.periods[1]];
  raw.prepare("UPDATE marks SET mark = '3' WHERE student_id = ? AND subject_id = ? AND slot = 'period' AND period_id = ?").run(...cell);
  // a view written through its triggers: read back, not counted
  expect(raw.prepare("SELECT mark FROM marks WHERE student_id = ? AND subject_id = ? AND slot = 'period' AND period_id = ?").pluck().get(...cell)).toBe('3');
};
const CHANGED = /5А \(2025\/2026\), версия 1 \([0-9A-F]{8}-v1\): Иванов Пётр Сергеевич, Русский язык, 2 четв\.: было 5, стало 3/;

/** The audit chain from entry `from` on recomputed as someone who knows the hash rule would, after `edit`. */
function rehashAudit(raw: Database.Database, edit: () => void) {
  raw.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
  edit();
  type E = { id: number; at: string; login: string | null; method: string; detail: string };
  let prev = '0'.repeat(64);
  for (const e of raw.prepare('SELECT id, at, login, method, detail FROM audit_log ORDER BY id').all() as E[]) {
    const hash = entryHash(prev, e);
    raw.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?').run(prev, hash, e.id);
    prev = hash;
  }
}

const students = async () => ((await value<{ rows: Array<{ fullName: string }> }>('admin', 'students.search', {})).rows.map((r) => r.fullName)).sort();

beforeAll(async () => {
  f = await sealingSchool();
  sessions.admin = f.c.session!;
  await f.c.call('ledgers.seal', { classId: f.s.a.id });
  await f.c.call('ledgers.seal', { classId: f.s.b.id });
  await f.c.call('users.create', { login: 'arch', fullName: 'Архивариус Ольга', role: 'archivist', password: PASSWORDS.arch });
  await signIn('arch');
  const ids: number[] = [];
  for (const m of ['usb-A', 'usb-B']) {
    fs.mkdirSync(path.join(f.dir, m));
    ids.push((await value<{ id: number }>('arch', 'media.add', { label: m, kind: 'usb', room: 'Каб. 12', path: path.join(f.dir, m), encrypted: false })).id);
  }
  const medium = path.join(f.dir, 'usb-A');
  const { jobId } = await value<{ jobId: string }>('arch', 'backup.start', { mediaIds: ids, confirmSameDevice: true });
  const done = await jobEnd<{ bag: string }>('arch', jobId);
  expect(done.state, done.message ?? '').toBe('done');
  bag = path.join(medium, done.result.bag);
  // after the copy: the open register goes on (its chain grows past the copy's)
  await f.c.call('students.create', { lastName: 'Новиков', firstName: 'Пётр', middleName: 'Ильич', birthDate: '2014-03-01', sex: 'М' });
}, 120_000);
afterAll(() => f?.c.backend.close());

describe('a forged copy: a sealed mark changed, its trigger dropped, the manifests recomputed', () => {
  it('restore --drill refuses it (exit 1) and names the difference; the genuine copy passes', async () => {
    const genuine = await cli(['restore', bag, '--drill']);
    expect(genuine.code, genuine.said).toBe(0);
    expect(genuine.said).toMatch(/Данные всех запечатанных ведомостей совпадают с печатями: 2/);
    const copy = await forged(markChanged);
    const r = await cli(['restore', copy.dir, '--drill']);
    expect(r.code, r.said).toBe(1);
    expect(r.said).toMatch(CHANGED);
    expect(r.said).toMatch(/ничего не заменено/);
    expect(r.said).toMatch(/OK Печати всех ведомостей проверены: 2/); // the stored seal itself is intact: only re-deriving catches it
  });

  it('a correction row written beside the change, not opened through the program, does not excuse it', async () => {
    const copy = await forged((raw) => {
      markChanged(raw);
      raw.prepare(`INSERT INTO ledger_corrections (class_id, reason, order_number, order_date, opened_by, opened_at, opened_by_login)
        VALUES (?, 'исправление', '1-о', '2026-06-01', 1, '2026-06-01T10:00:00.000Z', 'admin')`).run(f.s.a.id);
    });
    const r = await cli(['restore', copy.dir, '--drill']);
    expect(r.code, r.said).toBe(1);
    expect(r.said).toMatch(CHANGED);
  });

  it('a correction opened through the program: the class is being changed on purpose, listed apart', async () => {
    await f.c.call('ledgers.correct', { classId: f.s.b.id, reason: 'исправление оценки', orderNumber: '15-к', orderDate: '2026-06-10' });
    expect(rederiveSealed(f.c.backend.db)).toEqual({ checked: 1, underCorrection: ['5Б, 2025/2026'], mismatches: [] });
  });

  it('restore --to refuses it (exit 1), the difference named, no file written', async () => {
    const copy = await forged(markChanged);
    const target = path.join(f.dir, 'restored-1', 'register.sqlite');
    fs.mkdirSync(path.dirname(target));
    const r = await cli(['restore', copy.dir, '--to', target]);
    expect(r.code, r.said).toBe(1);
    expect(r.said).toMatch(CHANGED);
    expect(fs.readdirSync(path.dirname(target))).toEqual([]);
  });

  it('the app\'s restore over the open register refuses it, named; the register is untouched', async () => {
    const before = await students();
    const copy = await forged(markChanged);
    const j = await restoreOpen('arch', copy);
    expect(j.state).toBe('failed');
    expect(j.message).toMatch(CHANGED);
    expect(await students()).toEqual(before);
    const [last] = await value<Array<{ method: string; detail: string }>>('admin', 'audit.list', { limit: 1 });
    expect(last.method).toBe('backup.restoreOpen');
    expect(JSON.parse(last.detail)).toMatchObject({ ok: false, checks: expect.arrayContaining([['sealed_data', false]]) });
  });
});

describe('a forged copy: the archivist raised to admin in the copy\'s users table', () => {
  it('restored over the open register by the archivist, the archivist stays an archivist; the accounts kept are on record in both registers', async () => {
    const copy = await forged((raw) => { raw.prepare("UPDATE users SET role = 'admin' WHERE login = 'arch'").run(); });
    const refused = await call('arch', 'backup.restoreOpen', { mediaId: copy.mediaId, bag: copy.name, takeAccountsFromCopy: true });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/только администратор/) });

    const j = await restoreOpen('arch', copy);
    expect(j.state, j.message ?? '').toBe('done');
    expect(j.result.checks.find((c) => c.name === 'accounts')?.message).toMatch(/открытого реестра, как были: admin, arch/);
    await signIn('arch');
    expect(await value('arch', 'auth.status', {})).toMatchObject({ user: { login: 'arch', role: 'archivist' } });
    expect((await call('arch', 'users.create', { login: 'evil', fullName: 'Злоумышленник', role: 'admin', password: 'evil-password-1' })).ok).toBe(false);
    await signIn('admin');
    // the sign-ins since the restore are audited too (issue 15's sign-in part): the restore's entries come before them
    const log = (await value<Array<{ method: string; detail: string }>>('admin', 'audit.list', { limit: 10 })).filter((e) => e.method !== 'auth.signIn').slice(0, 3);
    expect(log.map((e) => e.method)).toEqual(['backup.restoreOpen', 'backup.restoreAccounts', expect.any(String)]);
    expect(JSON.parse(log[1].detail)).toMatchObject({ accounts: 'kept', logins: ['admin', 'arch'] });
    expect(JSON.parse(log[0].detail)).toMatchObject({ ok: true, accounts: 'kept' });
    const aside = new Database(j.result.keptAside!, { readonly: true });
    const old = aside.prepare('SELECT method, detail FROM audit_log ORDER BY id DESC LIMIT 1').get() as { method: string; detail: string };
    aside.close();
    expect(old.method).toBe('backup.restoreOpen');
    expect(JSON.parse(old.detail)).toMatchObject({ phase: 'replacing', accounts: 'kept' });
    expect(await value('admin', 'audit.verify', {})).toMatchObject({ ok: true });
  });
});

const rewritten = (raw: Database.Database) => rehashAudit(raw, () => {
  raw.prepare('UPDATE audit_log SET detail = \'{"forged":true}\' WHERE id = 3').run();
});
const dropped = (raw: Database.Database) => rehashAudit(raw, () => {
  raw.prepare('DELETE FROM audit_log WHERE id = 4').run();
  raw.prepare('UPDATE audit_log SET id = id - 1 WHERE id > 4').run();
});

describe('a forged copy: audit entries rewritten or dropped, the chain re-hashed', () => {
  for (const [name, tamper, first] of [['rewritten', rewritten, 3], ['dropped', dropped, 4]] as const) {
    it(`${name}: the first differing entry is named and the archivist is refused; an admin is refused too until confirming`, async () => {
      const copy = await forged(tamper);
      const j = await restoreOpen('arch', copy);
      expect(j.state).toBe('failed');
      expect(j.message).toMatch(new RegExp(`Журнал аудита копии расходится с журналом открытого реестра с записи № ${first} от \\d\\d\\.\\d\\d\\.\\d{4} \\d\\d:\\d\\d:\\d\\d, «[\\w.]+»: `
        + `в открытом реестре (на её месте запись № ${first} от .*|запись с тем же номером, временем и методом, но другим содержанием \\(хеш не совпадает\\))\\. `
        + 'Продолжить может только администратор'));
      const refused = await call('arch', 'backup.restoreOpen', { mediaId: copy.mediaId, bag: copy.name, confirmAuditDifference: true });
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.error.code).toBe('forbidden');
      const admin = await restoreOpen('admin', copy);
      expect(admin.state).toBe('failed');
      expect(admin.message).toMatch(/Продолжить может только администратор, подтвердив расхождение/);
    });
  }

});

// the admin's confirmations last: each restores a copy the cases above must not see
describe('an admin confirms', () => {
  it('an admin who confirms takes the copy\'s accounts', async () => {
    const copy = await forged((raw) => { raw.prepare("UPDATE users SET role = 'admin' WHERE login = 'arch'").run(); });
    const j = await restoreOpen('admin', copy, { takeAccountsFromCopy: true });
    expect(j.state, j.message ?? '').toBe('done');
    expect(j.result.checks.find((c) => c.name === 'accounts')?.message).toMatch(/взяты из копии по подтверждению администратора \(admin\)/);
    await signIn('arch');
    expect(await value('arch', 'auth.status', {})).toMatchObject({ user: { login: 'arch', role: 'admin' } });
  });

  it('an admin who confirms the difference restores it, the difference on record', async () => {
    const copy = await forged(rewritten);
    const j = await restoreOpen('admin', copy, { confirmAuditDifference: true });
    expect(j.state, j.message ?? '').toBe('done');
    expect(j.result.checks.find((c) => c.name === 'audit_prefix')).toMatchObject({ ok: true, message: expect.stringMatching(/№ 3 .*Администратор подтвердил/) });
  });
});
