// Tamper suite (issue 7): change what the register keeps behind the program's back — direct SQL with the guarding
// triggers dropped, bytes flipped in files — and check that the verify commands detect every change and name it
// precisely. Each case starts from its own copy of one register with some history.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryHash } from '../../main/audit/log.ts';
import { openRaw, removeScratchDirs, scratchDir, type RawDb } from '../helpers/db.ts';
import { adminClient, smallSchool } from '../helpers/register.ts';
import { runCli } from '../../main/cli/index.ts';
import { recordFigures } from './crash.ts';
import { sealingSchool } from '../ledgers/sealing-school.ts';
import { archiveDirFor, archiveSealed } from '../../main/archive/archive.ts';
import { backupRegister } from '../../main/backup/backup.ts';
import { startReceiver, type Receiver } from '../regional-segment/server.ts';
import { makeFixtures, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';
import { packetSchool } from '../packets/fixtures.ts';
import { rebag, rebagWithKey } from '../backup/fixtures.ts';
import { openBackend } from '../../main/host/backend.ts';

type Verdict = { detected: boolean; said: string; repaired?: number };
type Case = {
  target: 'audit' | 'ledger' | 'archive' | 'packet' | 'backup';
  /** which prepared register the case starts from (default: the audit one) */
  from?: 'audit' | 'ledger' | 'packet' | 'backup';
  /** the verify step has effects (an upload): it is not run on the untouched copy first */
  effects?: boolean;
  name: string;
  /** the change, made with a raw connection or on the files */
  tamper(raw: RawDb, file: string): void;
  /** the verify command a user runs, and what it said */
  verify(file: string): Promise<Verdict>;
  /** what it must name */
  names: RegExp;
};

afterAll(removeScratchDirs);

let template: string;
let lastId = 0;

async function cliVerdict(argv: string[]): Promise<Verdict> {
  let said = '';
  const code = await runCli(argv, { out: (s) => { said += s + '\n'; return true; }, err: (s) => { said += s + '\n'; return true; } });
  return { detected: code !== 0, said };
}

const auditVerify = (file: string) => cliVerdict(['audit', 'verify', '--db', file]);
const unguard = (raw: RawDb) => raw.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');

const cases: Case[] = [
  { target: 'audit', name: 'an entry\'s details edited', names: /запись 5 изменена/, verify: auditVerify,
    tamper: (raw) => { unguard(raw); raw.prepare("UPDATE audit_log SET detail = replace(detail, '}', ',\"x\":1}') WHERE id = 5").run(); } },
  { target: 'audit', name: 'an entry\'s author changed', names: /запись 4 изменена/, verify: auditVerify,
    tamper: (raw) => { unguard(raw); raw.prepare("UPDATE audit_log SET login = 'clerk' WHERE id = 4").run(); } },
  { target: 'audit', name: 'an entry\'s time moved back a day', names: /запись 6 изменена/, verify: auditVerify,
    tamper: (raw) => { unguard(raw); raw.prepare("UPDATE audit_log SET at = '2020-01-01T00:00:00.000Z' WHERE id = 6").run(); } },
  { target: 'audit', name: 'an entry in the middle deleted', names: /запись 3 отсутствует/, verify: auditVerify,
    tamper: (raw) => { unguard(raw); raw.prepare('DELETE FROM audit_log WHERE id = 3').run(); } },
  { target: 'audit', name: 'the newest two entries deleted', names: /записи после \d+ удалены: последней была записана запись \d+/, verify: auditVerify,
    tamper: (raw) => { unguard(raw); raw.prepare('DELETE FROM audit_log WHERE id > ?').run(lastId - 2); } },
  { target: 'audit', name: 'two entries swapped', names: /запись 2 (не ссылается|изменена)/, verify: auditVerify,
    tamper: (raw) => {
      unguard(raw);
      raw.exec('UPDATE audit_log SET id = -2 WHERE id = 2; UPDATE audit_log SET id = 2 WHERE id = 3; UPDATE audit_log SET id = 3 WHERE id = -2;');
    } },
  { target: 'audit', name: 'an entry rewritten with the chain recomputed from it on (an attacker who knows the hash rule)',
    names: /запись \d+ не та, что была записана последней/, verify: auditVerify,
    tamper: (raw) => {
      unguard(raw);
      type E = { id: number; at: string; login: string | null; method: string; detail: string; hash: string };
      const rows = raw.prepare('SELECT * FROM audit_log ORDER BY id').all() as E[];
      let prev = rows[2].hash;
      for (const e of rows.slice(3)) {
        const forged = { ...e, detail: e.id === 4 ? e.detail.replace('}', ',"x":1}') : e.detail };
        const hash = entryHash(prev, forged);
        raw.prepare('UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE id = ?').run(forged.detail, prev, hash, e.id);
        prev = hash;
      }
    } },
  { target: 'audit', name: 'a forged entry appended with a correct hash', names: /Записи \d+–\d+ не закреплены отметкой последней записи/,
    verify: async (file) => {
      const v = await auditVerify(file);
      // the chain is whole, so audit verify exits 0: it flags the entries no call of the program anchored
      return { detected: /не закреплены отметкой последней записи/.test(v.said), said: v.said };
    },
    tamper: (raw) => {
      const last = raw.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string };
      const e = { id: last.id + 1, at: new Date().toISOString(), login: 'admin', method: 'users.create', detail: '{"args":{"login":"ghost"}}' };
      raw.prepare('INSERT INTO audit_log (id, at, login, method, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(e.id, e.at, e.login, e.method, e.detail, last.hash, entryHash(last.hash, e));
    } },
];

// ---------- sealed ledgers: a school with 5А sealed (test/ledgers/sealing-school.ts), its code and its printed PDF
let ledgerTemplate: string;
let L: { code: string; pdf: string; ivanov: string; orlova: string; rus: number; q2: number; classId: number };
const ledgerVerify = (file: string) => cliVerdict(['ledger', 'verify', '--code', L.code, '--db', file]);
const unlock = (raw: RawDb) => {
  for (const t of raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND (name LIKE '%sealed%' OR name LIKE 'ledger_versions_no_%')").all() as Array<{ name: string }>) {
    raw.exec(`DROP TRIGGER "${t.name}"`);
  }
};

cases.push(
  { target: 'ledger', from: 'ledger', name: 'a sealed mark changed (lock triggers dropped)', verify: ledgerVerify,
    names: /Иванов Пётр Сергеевич, Русский язык, 2 четв\.: было 5, стало 3/,
    tamper: (raw) => { unlock(raw); raw.prepare("UPDATE marks SET mark = '3' WHERE student_id = ? AND subject_id = ? AND slot = 'period' AND period_id = ?").run(L.ivanov, L.rus, L.q2); } },
  { target: 'ledger', from: 'ledger', name: 'a sealed mark deleted', verify: ledgerVerify,
    names: /Иванов Пётр Сергеевич, Русский язык, 2 четв\.: было 5/,
    tamper: (raw) => { unlock(raw); raw.prepare("DELETE FROM marks WHERE student_id = ? AND subject_id = ? AND slot = 'period' AND period_id = ?").run(L.ivanov, L.rus, L.q2); } },
  { target: 'ledger', from: 'ledger', name: 'missed lessons changed', verify: ledgerVerify, names: /Иванов Пётр Сергеевич/,
    tamper: (raw) => { unlock(raw); raw.prepare('UPDATE attendance SET missed = missed + 5 WHERE student_id = ?').run(L.ivanov); } },
  { target: 'ledger', from: 'ledger', name: 'a student taken out of the sealed class', verify: ledgerVerify, names: /Орлова Анна Игоревна/,
    tamper: (raw) => { unlock(raw); raw.prepare('DELETE FROM marks WHERE student_id = ?').run(L.orlova); raw.prepare('DELETE FROM attendance WHERE student_id = ?').run(L.orlova);
      raw.prepare('DELETE FROM class_memberships WHERE student_id = ? AND class_id = ?').run(L.orlova, L.classId); } },
  { target: 'ledger', from: 'ledger', name: 'the sealed record itself edited (its canonical JSON)', verify: ledgerVerify,
    names: /запись в реестре повреждена: хеш не сходится/,
    tamper: (raw) => { unlock(raw); raw.prepare(`UPDATE ledger_versions SET canonical_json = replace(canonical_json, '"5"', '"4"') WHERE version = 1`).run(); } },
  { target: 'ledger', from: 'ledger', name: 'the stored PDF of the version: one byte flipped', verify: ledgerVerify,
    names: /запись в реестре повреждена: хеш не сходится/,
    tamper: (raw) => {
      unlock(raw);
      const row = raw.prepare('SELECT id, pdf FROM ledger_versions WHERE version = 1').get() as { id: number; pdf: Buffer };
      row.pdf[Math.floor(row.pdf.length / 2)] ^= 0x01;
      raw.prepare('UPDATE ledger_versions SET pdf = ? WHERE id = ?').run(row.pdf, row.id);
    } },
  { target: 'ledger', from: 'ledger', name: 'a printed PDF with one byte changed, checked by file',
    names: /Это не запечатанная версия: файл называет код [0-9A-F]{8}-v1, но его содержимое отличается/,
    verify: (file) => cliVerdict(['ledger', 'verify', '--pdf', L.pdf + '.edited', '--db', file]),
    tamper: () => {
      const bytes = fs.readFileSync(L.pdf);
      const at = bytes.indexOf(Buffer.from('(D:')) + 5;
      bytes[at] = bytes[at] === 0x31 ? 0x32 : 0x31;
      fs.writeFileSync(L.pdf + '.edited', bytes);
    } },
);

// ---------- the archive beside the register (the ledger school's sealed version archived) ----------
const archiveVerify = (file: string) => cliVerdict(['archive', 'verify', '--db', file]);
const archived = (file: string, role: string) => {
  const dir = archiveDirFor(file);
  const entry = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.jsonl'), 'utf8').split('\n')[0]) as { files: Array<{ role: string; sha256: string }> };
  return path.join(dir, 'files', entry.files.find((f) => f.role === role)!.sha256);
};
cases.push(
  { target: 'archive', from: 'ledger', name: 'one byte flipped in an archived PDF', verify: archiveVerify, names: /файл pdf [0-9a-f]{64} повреждён/,
    tamper: (_raw, file) => { const p = archived(file, 'pdf'); const b = fs.readFileSync(p); b[Math.floor(b.length / 2)] ^= 0x20; fs.writeFileSync(p, b); } },
  { target: 'archive', from: 'ledger', name: 'an archived canonical JSON deleted', verify: archiveVerify, names: /нет файла json [0-9a-f]{64}/,
    tamper: (_raw, file) => fs.rmSync(archived(file, 'json')) },
  { target: 'archive', from: 'ledger', name: 'an archived XLSX truncated', verify: archiveVerify, names: /файл xlsx [0-9a-f]{64} повреждён/,
    tamper: (_raw, file) => { const p = archived(file, 'xlsx'); fs.truncateSync(p, Math.floor(fs.statSync(p).size / 2)); } },
  { target: 'archive', from: 'ledger', name: 'the archive manifest\'s entry edited (another seal date)', verify: archiveVerify, names: /Архив, запись 1 \(класс \d+, версия 1\): опись расходится с реестром \(дата запечатывания\)/,
    tamper: (_raw, file) => {
      const m = path.join(archiveDirFor(file), 'manifest.jsonl');
      fs.writeFileSync(m, fs.readFileSync(m, 'utf8').replace(/"sealedAt":"(\d{4})/, (_x, y: string) => `"sealedAt":"${Number(y) - 1}`));
    } },
);

// ---------- packets: one signed packet in the outbox, altered before it is sent; the receiver must refuse it ----------
let packetTemplate: string;
let receiver: Receiver;
let fx: Fixtures;
const uploadVerdict = async (file: string): Promise<Verdict> => {
  const v = await cliVerdict(['packets', 'upload', '--all', '--db', file, '--endpoint', receiver.url]);
  const status = await cliVerdict(['packets', 'status', '--db', file]);
  const said = `${v.said}\n${status.said}`;
  // detected: the receiver refused it, stored nothing, and the outbox shows the refusal
  return { detected: /отклон/i.test(said) && receiver.acceptances().size === 0, said };
};
cases.push(
  { target: 'packet', from: 'packet', effects: true, name: 'a signed packet\'s content altered in the outbox before upload', verify: uploadVerdict,
    names: /digest|подпис|хеш/i,
    tamper: (raw) => {
      raw.exec('DROP TRIGGER packets_content_fixed');
      raw.prepare("UPDATE packets SET canonical_json = replace(canonical_json, 'Орлова', 'Орлов')").run();
    } },
  // Only entries an accepted full packet covers may go (migration 0009 refuses the rest); with that guard dropped, the
  // numbers missing from the log are named (and a delta is refused, test/packets/compact.test.ts)
  { target: 'packet', from: 'packet', name: 'change-log entries deleted with no full packet accepted (the guard dropped)',
    names: /Журнал изменений неполон: нет записей № 2–3 \(удалены в обход программы\)/,
    verify: async (file) => {
      const v = await cliVerdict(['packets', 'status', '--db', file]);
      return { detected: /Журнал изменений неполон/.test(v.said), said: v.said };
    },
    tamper: (raw) => {
      raw.exec('DROP TRIGGER changes_no_delete');
      raw.prepare('DELETE FROM changes WHERE seq IN (2, 3)').run();
    } },
);

// ---------- backups: two copies of one bag; one copy damaged; verify-copies --repair names it and mends it from the twin ----------
let backupTemplate: string;
const copiesOf = (file: string) => ['usb-1', 'hdd-2'].map((m) => {
  const dir = path.join(path.dirname(file), m);
  return path.join(dir, fs.readdirSync(dir).find((n) => n.startsWith('register-'))!);
});
const repairVerdict = async (file: string): Promise<Verdict> => {
  const [a, b] = copiesOf(file);
  const first = await cliVerdict(['verify-copies', a, b, '--repair', '--db', file]);
  const again = await cliVerdict(['verify-copies', a, b, '--db', file]);
  const repaired = (first.said.match(/заменён из|удалён/g) ?? []).length;
  // detected and named by the first run, mended (the second run finds both copies whole)
  return { detected: /ИСПРАВЛЕНА/.test(first.said) && !again.detected, said: `${first.said}\n${again.said}`, repaired };
};
const inCopyA = (file: string, rel: string) => path.join(copiesOf(file)[0], rel);
cases.push(
  { target: 'backup', from: 'backup', name: 'one copy: a byte flipped in the register snapshot', verify: repairVerdict, names: /повреждён: data\/register\.sqlite — заменён из/,
    tamper: (_raw, file) => { const p = inCopyA(file, 'data/register.sqlite'); const bytes = fs.readFileSync(p); bytes[bytes.length - 100] ^= 0xff; fs.writeFileSync(p, bytes); } },
  { target: 'backup', from: 'backup', name: 'one copy: an archived file deleted', verify: repairVerdict, names: /отсутствует: data\/archive\/files\/[0-9a-f]{64} — заменён из/,
    tamper: (_raw, file) => { const dir = inCopyA(file, 'data/archive/files'); fs.rmSync(path.join(dir, fs.readdirSync(dir)[0])); } },
  { target: 'backup', from: 'backup', name: 'one copy: its payload manifest edited', verify: repairVerdict, names: /manifest-sha256\.txt — заменён из/,
    tamper: (_raw, file) => { const p = inCopyA(file, 'manifest-sha256.txt'); fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0'))); } },
  { target: 'backup', from: 'backup', name: 'one copy: a file added', verify: repairVerdict, names: /лишний: data\/notes\.txt — удалён/,
    tamper: (_raw, file) => fs.writeFileSync(inCopyA(file, 'data/notes.txt'), 'посторонний файл') },
  { target: 'backup', from: 'backup', name: 'one copy: a line of its tag manifest edited', verify: repairVerdict, names: /повреждён: tagmanifest-sha256\.txt — заменён из/,
    tamper: (_raw, file) => { const p = inCopyA(file, 'tagmanifest-sha256.txt'); fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0'))); } },
  { target: 'backup', from: 'backup', name: 'a copy whose data/ is a link to a folder outside it; verify-copies and restore --drill',
    verify: async (file) => {
      const [a, b] = copiesOf(file);
      const v = await cliVerdict(['verify-copies', a, b]);
      const r = await cliVerdict(['restore', a, '--drill']);
      return { detected: v.detected && r.detected, said: `${v.said}\n${r.said}` };
    },
    names: /«data» — символическая ссылка[\s\S]*«data» — символическая ссылка/,
    tamper: (_raw, file) => {
      const outside = path.join(path.dirname(file), 'elsewhere');
      fs.renameSync(inCopyA(file, 'data'), outside);
      fs.symlinkSync(outside, inCopyA(file, 'data'));
    } },
  // the anchor beside the register cannot catch this (it is gone too); the copy on another medium can
  { target: 'audit', from: 'backup', name: 'the newest audit entries deleted together with the anchor file',
    verify: (file) => cliVerdict(['audit', 'verify', '--witness', path.join(path.dirname(file), 'usb-1'), '--db', file]),
    names: /копия от \d\d\.\d\d\.\d{4} содержит записи журнала аудита до № \d+, а в реестре их только \d+: записи удалены/,
    tamper: (raw, file) => { unguard(raw); raw.prepare('DELETE FROM audit_log WHERE id > 2').run(); fs.rmSync(`${file}.audit-head`, { force: true }); } },
);

// ---------- forged copies (issue 15): copy A's register edited behind the program, the bag's manifests, tag manifest
// and Payload-Oxum recomputed (valid BagIt); the restore re-derives the sealed data, keeps the open register's accounts
// and holds the copy's audit chain against the open register's ----------
let B: { ivanov: string; rus: number; q2: number };
const forgeCopyA = (file: string, edit: (raw: RawDb) => void) => {
  const bag = copiesOf(file)[0];
  const raw = openRaw(path.join(bag, 'data/register.sqlite'));
  try { edit(raw); } finally { raw.close(); }
  for (const x of ['-wal', '-shm']) fs.rmSync(path.join(bag, `data/register.sqlite${x}`), { force: true });
  rebagWithKey(bag); // signed with the key too: the deeper checks must catch what a forger who read the key made
};
/** The same by someone with only the media: no key, so the copy's authentication tag no longer verifies. */
const forgeCopyAWithoutKey = (file: string, edit: (raw: RawDb) => void) => {
  const bag = copiesOf(file)[0];
  const raw = openRaw(path.join(bag, 'data/register.sqlite'));
  try { edit(raw); } finally { raw.close(); }
  for (const x of ['-wal', '-shm']) fs.rmSync(path.join(bag, `data/register.sqlite${x}`), { force: true });
  rebag(bag);
};
const NOT_OURS = /Копия не записана этой программой: метка подлинности не сходится/;
const sealedMarkForged = (raw: RawDb) => {
  unlock(raw);
  raw.prepare("UPDATE marks SET mark = '3' WHERE student_id = ? AND subject_id = ? AND slot = 'period' AND period_id = ?").run(B.ivanov, B.rus, B.q2);
};
const SEALED_MARK = /Иванов Пётр Сергеевич, Русский язык, 2 четв\.: было 5, стало 3/;
const PASSWORDS: Record<string, string> = { admin: 'correct horse 1', arch: 'archivist-password-1' };

/** Copy A restored over the register `file` as the app does it (backup.restoreOpen), by `who`; then who `arch` is. */
async function restoreOverOpen(file: string, who: 'admin' | 'arch'): Promise<{ state: string; said: string; archRole: string | null }> {
  const backend = openBackend({ dbPath: file });
  try {
    const sessions: Record<string, string | null> = {};
    const call = (login: string, method: string, args: unknown) => backend.call({ method, args, session: sessions[login] ?? null }, 'http');
    const signIn = async (login: string) => {
      const r = await call('', 'auth.signIn', { login, password: PASSWORDS[login] });
      if (!r.ok) throw new Error(r.error.message);
      sessions[login] = (r.value as { session: string }).session;
    };
    await signIn(who);
    const bag = copiesOf(file)[0];
    const m = await call(who, 'media.add', { label: 'usb-1', kind: 'usb', room: 'Каб. 12', path: path.dirname(bag), encrypted: false });
    if (!m.ok) throw new Error(m.error.message);
    const started = await call(who, 'backup.restoreOpen', { mediaId: (m.value as { id: number }).id, bag: path.basename(bag) });
    if (!started.ok) throw new Error(started.error.message);
    const jobId = (started.value as { jobId: string }).jobId;
    let end: { state: string; message: string | null; result: { checks: Array<{ ok: boolean; message: string }> } | null };
    for (;;) {
      const r = await call(who, 'jobs.status', { id: jobId });
      if (!r.ok) { await signIn(who); continue; } // the swap ended the session
      end = r.value as typeof end;
      if (end.state !== 'running') break;
      await new Promise((x) => setTimeout(x, 20));
    }
    await signIn('arch');
    const status = await call('arch', 'auth.status', {});
    const archRole = status.ok ? (status.value as { user: { role: string } | null }).user?.role ?? null : null;
    return { state: end.state, archRole, said: [end.message ?? '', ...(end.result?.checks ?? []).map((c) => `${c.ok ? 'OK' : 'НЕТ'} ${c.message}`), `arch: роль ${archRole}`].join('\n') };
  } finally {
    backend.close();
  }
}

cases.push(
  // a forger without the backup key (only the media): the copy is "not written by this program"
  { target: 'backup', from: 'backup', name: 'a copy edited without the backup key (the archivist raised to admin), manifests recomputed; restore --drill',
    verify: (file) => cliVerdict(['restore', copiesOf(file)[0], '--drill']), names: NOT_OURS,
    tamper: (_raw, file) => forgeCopyAWithoutKey(file, (raw) => { raw.prepare("UPDATE users SET role = 'admin' WHERE login = 'arch'").run(); }) },
  { target: 'backup', from: 'backup', effects: true, name: 'a copy edited without the backup key, manifests recomputed; restored over the open register by the archivist',
    verify: async (file) => { const r = await restoreOverOpen(file, 'arch'); return { detected: r.state === 'failed', said: r.said }; }, names: NOT_OURS,
    tamper: (_raw, file) => forgeCopyAWithoutKey(file, (raw) => { raw.prepare("UPDATE users SET role = 'admin' WHERE login = 'arch'").run(); }) },
  { target: 'backup', from: 'backup', name: 'a forged copy: a sealed mark changed (trigger dropped), manifests recomputed; restore --drill',
    verify: (file) => cliVerdict(['restore', copiesOf(file)[0], '--drill']), names: SEALED_MARK,
    tamper: (_raw, file) => forgeCopyA(file, sealedMarkForged) },
  { target: 'backup', from: 'backup', name: 'a forged copy: a sealed mark changed, manifests recomputed; restore --to a new file',
    verify: (file) => cliVerdict(['restore', copiesOf(file)[0], '--to', path.join(path.dirname(file), 'restored.sqlite')]), names: SEALED_MARK,
    tamper: (_raw, file) => forgeCopyA(file, sealedMarkForged) },
  { target: 'backup', from: 'backup', effects: true, name: 'a forged copy: a sealed mark changed, manifests recomputed; restored over the open register',
    verify: async (file) => { const r = await restoreOverOpen(file, 'arch'); return { detected: r.state === 'failed', said: r.said }; }, names: SEALED_MARK,
    tamper: (_raw, file) => forgeCopyA(file, sealedMarkForged) },
  // detected = the forged role is not granted: the archivist's restore keeps the open register's accounts
  { target: 'backup', from: 'backup', effects: true, name: 'a forged copy: the archivist raised to admin in its users table; restored over the open register by the archivist',
    verify: async (file) => { const r = await restoreOverOpen(file, 'arch'); return { detected: r.state === 'done' && r.archRole === 'archivist', said: r.said }; },
    names: /Учётные записи, роли и пароли — открытого реестра, как были[\s\S]*arch: роль archivist/,
    tamper: (_raw, file) => forgeCopyA(file, (raw) => { raw.prepare("UPDATE users SET role = 'admin' WHERE login = 'arch'").run(); }) },
  { target: 'backup', from: 'backup', effects: true, name: 'a forged copy: an audit entry rewritten, the chain re-hashed; restored over the open register',
    verify: async (file) => { const r = await restoreOverOpen(file, 'admin'); return { detected: r.state === 'failed', said: r.said }; },
    names: /Журнал аудита копии расходится с журналом открытого реестра с записи № 3 от [\d.: ]+, «[\w.]+»/,
    tamper: (_raw, file) => forgeCopyA(file, (raw) => {
      unguard(raw);
      raw.prepare('UPDATE audit_log SET detail = \'{"forged":true}\' WHERE id = 3').run();
      let prev = '0'.repeat(64);
      for (const e of raw.prepare('SELECT id, at, login, method, detail FROM audit_log ORDER BY id').all() as Array<{ id: number; at: string; login: string | null; method: string; detail: string }>) {
        const hash = entryHash(prev, e);
        raw.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?').run(prev, hash, e.id);
        prev = hash;
      }
    }) },
);

beforeAll(async () => {
  const f = await sealingSchool(scratchDir());
  await f.c.call('ledgers.seal', { classId: f.s.a.id });
  await f.c.call('users.create', { login: 'arch', fullName: 'Архивариус Ольга', role: 'archivist', password: PASSWORDS.arch });
  B = { ivanov: f.students.ivanov.id, rus: f.s.rus.id, q2: f.periods[1] };
  const dests = ['usb-1', 'hdd-2'].map((m) => path.join(path.dirname(f.c.dbPath), m));
  for (const d of dests) fs.mkdirSync(d);
  const r = await backupRegister(f.c.backend.db, { destinations: dests.map((d) => ({ path: d })), confirmSameDevice: true });
  expect(r.state, r.message).toBe('ok');
  f.c.backend.close();
  backupTemplate = f.c.dbPath;
}, 120_000);

beforeAll(async () => {
  fx = makeFixtures();
  const c = await adminClient(scratchDir());
  await packetSchool(c);
  await c.call('packets.build', {});
  c.backend.close();
  const pw = path.join(fx.dir, 'password.txt');
  fs.writeFileSync(pw, PASSWORD + '\n');
  await cliVerdict(['packets', 'sign', '--cert', fx.p12Default, '--password-file', pw, '--db', c.dbPath]);
  packetTemplate = c.dbPath;
  receiver = await startReceiver({ port: 0, dataDir: path.join(scratchDir(), 'receiver'), trustPem: [fs.readFileSync(fx.certPem, 'utf8')] });
}, 120_000);
afterAll(async () => {
  await receiver?.close();
  if (fx) fs.rmSync(fx.dir, { recursive: true, force: true });
});

beforeAll(async () => {
  const f = await sealingSchool(scratchDir());
  const v = await f.c.call('ledgers.seal', { classId: f.s.a.id });
  archiveSealed(f.c.backend.db, archiveDirFor(f.c.dbPath));
  const pdf = Buffer.from((await f.c.call('ledgers.print', { classId: f.s.a.id, version: 1, format: 'pdf' })).dataBase64, 'base64');
  const pdfFile = path.join(scratchDir(), 'ledger-5A-v1.pdf');
  fs.writeFileSync(pdfFile, pdf);
  fs.copyFileSync(pdfFile, pdfFile + '.edited'); // until a case edits it: the untouched file verifies
  L = { code: v.code, pdf: pdfFile, ivanov: f.students.ivanov.id, orlova: f.students.orlova.id, rus: f.s.rus.id, q2: f.periods[1], classId: f.s.a.id };
  f.c.backend.close();
  ledgerTemplate = f.c.dbPath;
}, 120_000);

beforeAll(async () => {
  const dir = scratchDir();
  const c = await adminClient(dir);
  await smallSchool(c);
  for (const name of ['2026/2027', '2027/2028']) await c.call('years.create', { name });
  await c.call('users.create', { login: 'clerk', fullName: 'Секретарь Анна', role: 'clerk', password: 'clerk-password-1' });
  c.backend.close();
  template = c.dbPath;
  const raw = openRaw(template);
  lastId = (raw.prepare('SELECT max(id) AS id FROM audit_log').get() as { id: number }).id;
  raw.close();
});

const tally = { runs: 0, detected: 0, named: 0, repaired: 0, missed: [] as string[] };
afterAll(() => recordFigures('tamper', {
  suite: 'tamper', runs: tally.runs, detected: tally.named, repaired: tally.repaired, lost: tally.runs - tally.detected,
  failures: tally.runs - tally.named, worst: tally.missed[0] ?? `all ${tally.runs} named precisely (${[...new Set(cases.map((k) => k.target))].join(', ')})`,
}));

describe('tamper: every change behind the program is detected and named', () => {
  it('control: the untouched signed packet is accepted by the same receiver', async () => {
    const dir = scratchDir();
    for (const f of fs.readdirSync(path.dirname(packetTemplate)).filter((x) => x.startsWith(path.basename(packetTemplate)))) {
      fs.copyFileSync(path.join(path.dirname(packetTemplate), f), path.join(dir, f.replace(path.basename(packetTemplate), 'register.sqlite')));
    }
    const other = await startReceiver({ port: 0, dataDir: path.join(scratchDir(), 'receiver'), trustPem: [fs.readFileSync(fx.certPem, 'utf8')] });
    try {
      const v = await cliVerdict(['packets', 'upload', '--all', '--db', path.join(dir, 'register.sqlite'), '--endpoint', other.url]);
      expect(v.detected, v.said).toBe(false);
      expect(other.acceptances().size).toBe(1);
    } finally {
      await other.close();
    }
  });

  for (const k of cases) {
    it(`${k.target}: ${k.name}`, async () => {
      tally.runs++;
      const dir = scratchDir();
      const file = path.join(dir, 'register.sqlite');
      const from = k.from === 'ledger' ? ledgerTemplate : k.from === 'packet' ? packetTemplate : k.from === 'backup' ? backupTemplate : template;
      for (const f of fs.readdirSync(path.dirname(from)).filter((x) => x.startsWith(path.basename(from)) || (k.from === 'backup' && /^(usb-1|hdd-2)$/.test(x)))) {
        fs.cpSync(path.join(path.dirname(from), f), path.join(dir, f.replace(path.basename(from), 'register.sqlite')), { recursive: true });
      }
      if (!k.effects) expect((await k.verify(file)).detected, 'the untouched copy verifies').toBe(false);
      const raw = openRaw(file);
      try { k.tamper(raw, file); } finally { raw.close(); }
      const v = await k.verify(file);
      if (v.detected) tally.detected++;
      if (v.detected && k.names.test(v.said)) tally.named++;
      else tally.missed.push(`${k.target}: ${k.name}: ${v.said.trim().slice(0, 200)}`);
      tally.repaired += v.repaired ?? 0;
      expect(v.detected, v.said).toBe(true);
      expect(v.said).toMatch(k.names);
    });
  }
});
