// Compacting the change log (migration 0009, main/packets/compact.ts) on real register files, with real HTTP to the
// reference receiver: a full packet the region accepts takes the entries it covers with it, and the deltas after it are
// byte for byte what they would have been without the compaction; a rejected full packet or a delta lets nothing go;
// the database refuses any other deletion; a compaction killed between slices is finished by the next run; the
// method is an admin's.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../main/host/backend.ts';
import { buildPacket } from '../../main/packets/build.ts';
import { changeLogState, compactChanges, COMPACTION_SLICE, lastChangeSeq } from '../../main/packets/compact.ts';
import { listOutbox, markAccepted, markSending } from '../../main/packets/outbox.ts';
import { pkcs12PacketSigner, signPackets } from '../../main/packets/sign.ts';
import { uploadPending } from '../../main/packets/upload.ts';
import { sendPacket } from '../../main/packets/transport.ts';
import { cli, ROOT } from '../helpers/cli.ts';
import { openRaw } from '../helpers/db.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';
import { makeFixtures, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';
import { startReceiver, type Receiver } from '../regional-segment/server.ts';
import { packetSchool, waitJob } from './fixtures.ts';

let fx: Fixtures;
beforeAll(() => {
  fx = makeFixtures();
});
afterAll(() => fs.rmSync(fx.dir, { recursive: true, force: true }));
const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

type DBT = Client['backend']['db'];
const fast = { baseDelayMs: 5, maxDelayMs: 20 };
const sign = (db: DBT) => signPackets(db, pkcs12PacketSigner(fs.readFileSync(fx.p12Default), PASSWORD));
const entries = (db: DBT) => (db.prepare('SELECT seq FROM changes ORDER BY seq').all() as Array<{ seq: number }>).map((r) => r.seq);
const row = (db: DBT, id: string) => db.prepare('SELECT seq, kind, prev_hash, sha256, canonical_json, changes_to, ledgers_to, students FROM packets WHERE id = ?').get(id);

async function school() {
  const c = await adminClient(tempDir());
  open.push({ close: () => c.backend.close() });
  return { c, db: c.backend.db, ...(await packetSchool(c)) };
}

async function receiver(trust = [fs.readFileSync(fx.certPem, 'utf8')]): Promise<Receiver> {
  const r = await startReceiver({ port: 0, dataDir: tempDir('sr-receiver-'), trustPem: trust });
  open.push(r);
  return r;
}

/** The admin signed in on an existing register file. */
async function clientOn(dbPath: string): Promise<Client> {
  const backend = openBackend({ dbPath });
  open.push({ close: () => backend.close() });
  const c: Client = {
    backend, session: null,
    raw: (method, args) => backend.call({ method, args, session: c.session }, 'http'),
    async call(method, args) {
      const r = await c.raw(method, args);
      if (!r.ok) throw Object.assign(new Error(`${method}: ${r.error.message}`), { api: r.error });
      return r.value as never;
    },
  };
  c.session = (await c.call('auth.signIn', { login: 'admin', password: 'correct horse 1' })).session;
  return c;
}

/** What a program before migration 0009 did on an acceptance: the state and the receipt, and no compaction. */
function acceptWithoutCompaction(db: DBT, id: string) {
  markSending(db, id, new Date());
  // a receipt as a receiver gives it (the CLI's `packets status` reads it through the contract, which wants acceptedAt)
  db.prepare("UPDATE packets SET state = 'accepted', receipt = '{\"receiptId\":\"r\",\"acceptedAt\":\"2026-11-23T10:00:00.000Z\"}', accepted_at = '2026-11-23T10:00:00.000Z' WHERE id = ?").run(id);
}


describe('compaction after an accepted full packet', () => {
  it('the covered entries go with the acceptance, and every packet after it is byte for byte the one an uncompacted register builds', async () => {
    const { c: a, db: dbA, withSnils, withDoc, third, b: classB, math } = await school();
    // the same moments and UUIDs in both registers: the packets' headers then differ in nothing
    const at = (n: number) => ({ id: `0000000${n}-0000-4000-8000-000000000000`, now: new Date(Date.UTC(2026, 10, 23, 10, n)) });
    const build = (db: DBT, n: number, kind: 'full' | 'delta') => db.transaction(() => buildPacket(db, { kind, ...at(n) }))();
    const F = build(dbA, 1, 'full');
    await sign(dbA);
    // the twin: this register as it is now, byte for byte
    const twinFile = path.join(tempDir(), 'register.sqlite');
    await dbA.backup(twinFile);
    const b = await clientOn(twinFile);
    const dbB = b.backend.db;
    const fTo = (row(dbA, F.id) as { changes_to: number }).changes_to;
    expect(entries(dbA)).toHaveLength(fTo); // nothing was ever removed: 1..changes_to

    const r = await receiver();
    const up1 = await uploadPending(dbA, { endpoint: r.url }, fast);
    expect(up1.accepted.map((p) => p.seq)).toEqual([1]);
    expect(up1.changesRemoved).toBe(fTo);
    expect(entries(dbA)).toEqual([]); // every entry was covered by F
    acceptWithoutCompaction(dbB, F.id);
    expect(entries(dbB)).toHaveLength(fTo);

    // the same changes in both: a card, a transfer, a state exam, a portfolio entry
    const changes1 = async (c: Client) => {
      const w = await c.call('students.get', { id: withSnils.id });
      await c.call('students.update', { id: w.id, data: { lastName: 'Орлова-Петрова', firstName: w.firstName, middleName: w.middleName, birthDate: w.birthDate, sex: w.sex, snils: w.snils, guardians: [] } });
      await c.call('orders.transfer', { order: { number: '21-п', date: '2025-10-03' }, studentId: withDoc.id, toClassId: classB.id, date: '2025-10-03' });
      await c.call('exams.addResult', { studentId: third.id, kind: 'ОГЭ', subjectId: math.id, year: 2026, score: 27, mark: 5 });
      await c.call('portfolio.add', { studentId: third.id, eventName: 'Олимпиада по математике', status: 'municipal', date: '2026-01-15', result: 'winner', title: 'Победитель' });
    };
    await changes1(a);
    await changes1(b);
    const D1 = build(dbA, 2, 'delta');
    expect(build(dbB, 2, 'delta').id).toBe(D1.id);
    expect(row(dbA, D1.id)).toEqual(row(dbB, D1.id));
    expect(JSON.parse((row(dbA, D1.id) as { canonical_json: string }).canonical_json).students.map((s: { lastName: string }) => s.lastName)).toEqual(['Орлова-Петрова']);

    // a second full packet accepted takes the entries of D1 too; a full packet right after it, with the log empty,
    // still starts where the log ends (not at 0)
    const F2 = build(dbA, 3, 'full');
    build(dbB, 3, 'full');
    expect(row(dbA, F2.id)).toEqual(row(dbB, F2.id));
    await sign(dbA);
    await sign(dbB);
    const up2 = await uploadPending(dbA, { endpoint: r.url }, fast);
    expect(up2.accepted.map((p) => p.seq)).toEqual([2, 3]);
    const f2To = (row(dbA, F2.id) as { changes_to: number }).changes_to;
    expect(f2To - fTo).toBe(4); // the card, the transfer's movement, the exam, the portfolio entry
    expect(up2.changesRemoved).toBe(4);
    expect(entries(dbA)).toEqual([]);
    expect(lastChangeSeq(dbA)).toBe(lastChangeSeq(dbB));
    for (const id of [D1.id, F2.id]) acceptWithoutCompaction(dbB, id);
    const F3 = build(dbA, 4, 'full');
    build(dbB, 4, 'full');
    expect(row(dbA, F3.id)).toEqual(row(dbB, F3.id));

    const changes2 = async (c: Client) => {
      await c.call('exams.removeResult', { id: 1 });
      await c.call('portfolio.update', { id: 1, data: { studentId: third.id, eventName: 'Олимпиада по математике', status: 'regional', date: '2026-01-15', result: 'winner', title: 'Победитель' } });
    };
    await changes2(a);
    await changes2(b);
    const D2 = build(dbA, 5, 'delta');
    build(dbB, 5, 'delta');
    expect(row(dbA, D2.id)).toEqual(row(dbB, D2.id));
    const p = JSON.parse((row(dbA, D2.id) as { canonical_json: string }).canonical_json);
    expect(p.removed).toEqual([{ entity: 'stateExam', id: '1' }]);
    expect(p.portfolio.map((x: { status: string }) => x.status)).toEqual(['regional']);
    // what the uncompacted twin keeps and the compacted one does not: the entries F2 covers
    expect(entries(dbB).filter((s) => s <= f2To)).toHaveLength(f2To);
    expect(entries(dbA)).toEqual(entries(dbB).filter((s) => s > f2To));
  });
});

describe('the acceptance and its first slice', () => {
  it('are one transaction: a full packet accepted takes the oldest slice with it, the rest waits for the slices after', async () => {
    const { db } = await school();
    db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${2 * COMPACTION_SLICE})
      INSERT INTO changes (entity, entity_id, student_id, op) SELECT 'student', s.id, s.id, 'update' FROM n, (SELECT id FROM students LIMIT 1) s`);
    const n = entries(db).length;
    const full = db.transaction(() => buildPacket(db, { kind: 'full' }))();
    await sign(db);
    markSending(db, full.id, new Date());
    const receipt = { receiptId: 'r1', packetId: full.id, seq: 1, sha256: full.sha256, acceptedAt: '2026-11-23T10:00:00.000Z' } as never;
    // when the slice cannot go, the acceptance is not recorded either (and the packet goes again with its UUID)
    db.exec("CREATE TEMP TRIGGER fail_delete BEFORE DELETE ON changes BEGIN SELECT RAISE(ABORT, 'disk I/O error (test)'); END");
    expect(() => markAccepted(db, full.id, receipt, new Date())).toThrow(/disk I\/O error \(test\)/);
    expect(listOutbox(db)[0].state).toBe('sending');
    expect(entries(db)).toHaveLength(n);
    db.exec('DROP TRIGGER temp.fail_delete');
    const changes = db.prepare('SELECT total_changes() AS n').pluck();
    const before = changes.get() as number;
    expect(markAccepted(db, full.id, receipt, new Date())).toEqual({ changesRemoved: COMPACTION_SLICE, compactionPending: true });
    expect(changes.get() as number - before).toBe(1 + COMPACTION_SLICE); // the packet's row and the slice, nothing else
    expect(listOutbox(db)[0].state).toBe('accepted');
    expect(entries(db)[0]).toBe(COMPACTION_SLICE + 1);
    expect(await compactChanges(db)).toEqual({ removed: n - COMPACTION_SLICE, remaining: 0, acceptedFull: { seq: 1, changesTo: n } });
    expect(changeLogState(db)).toMatchObject({ entries: 0, removable: 0, missing: [] });
  });
});

describe('what may not be removed', () => {
  it('a rejected full packet and accepted deltas let nothing go; the database refuses every deletion they do not cover', async () => {
    const { c, db, a: classA } = await school();
    const enrol = async (lastName: string, n: number) => {
      const st = await c.call('students.create', { lastName, firstName: 'Вера', birthDate: '2014-05-05', sex: 'Ж', docKind: 'passport', docNumber: `77000${n}` });
      await c.call('orders.enrol', { order: { number: `${40 + n}-у`, date: '2025-10-01' }, studentId: st.id, classId: classA.id, date: '2025-10-02' });
    };
    const all = entries(db);
    const raw = openRaw(c.dbPath);
    open.push(raw);
    // no full packet accepted yet: a direct DELETE of any entry is refused by the database
    expect(() => raw.prepare('DELETE FROM changes WHERE seq = ?').run(all[0])).toThrow(/append-only/);

    // a full packet the receiver refuses (it trusts another school's certificate only)
    db.transaction(() => buildPacket(db, { kind: 'full' }))();
    await sign(db);
    const strict = await receiver([fs.readFileSync(fx.otherCertPem, 'utf8')]);
    const refused = await uploadPending(db, { endpoint: strict.url }, fast);
    expect(refused.rejected.map((p) => p.reasons[0].code)).toEqual(['untrusted_signer']);
    expect(refused.changesRemoved).toBe(0);
    expect(entries(db)).toEqual(all);
    expect(await compactChanges(db)).toEqual({ removed: 0, remaining: all.length, acceptedFull: null });
    expect(() => raw.prepare('DELETE FROM changes WHERE seq = ?').run(all[0])).toThrow(/append-only/);

    // the next full packet is accepted, then two deltas: only what the full one covers goes
    const full = db.transaction(() => buildPacket(db, { kind: 'full' }))();
    await enrol('Новикова', 1);
    db.transaction(() => buildPacket(db))();
    await enrol('Зайцева', 2);
    db.transaction(() => buildPacket(db))();
    await sign(db);
    const r = await receiver();
    const up = await uploadPending(db, { endpoint: r.url }, fast);
    expect(up.accepted.map((p) => p.seq)).toEqual([1, 2, 3]);
    const fullTo = (row(db, full.id) as { changes_to: number }).changes_to;
    expect(fullTo).toBe(all.length);
    expect(up.changesRemoved).toBe(fullTo);
    const after = entries(db);
    expect(after).toHaveLength(4); // two students and their enrolments, carried by the accepted deltas
    expect(after.every((s) => s > fullTo)).toBe(true);
    expect(changeLogState(db)).toEqual({ entries: 4, sinceFull: 4, removable: 0, acceptedFull: { seq: 1, changesTo: fullTo }, missing: [] });
    // accepted deltas cover them, a full packet does not: the database refuses, alone or in a range with covered ones
    expect(() => raw.prepare('DELETE FROM changes WHERE seq = ?').run(after[0])).toThrow(/only entries covered by an accepted full packet may be removed/);
    expect(() => raw.prepare('DELETE FROM changes').run()).toThrow(/append-only/);
    expect(entries(db)).toEqual(after);
    expect(listOutbox(db).filter((p) => p.state === 'accepted').map((p) => [p.seq, p.kind])).toEqual([[3, 'delta'], [2, 'delta'], [1, 'full']]);
  });
});

describe('on demand: the API method and the CLI', () => {
  it('packets.changeLog and packets.compactChanges (a job) are an admin\'s; the compaction is idempotent and audited', async () => {
    const { c, db } = await school();
    await c.call('users.create', { login: 'clerk', fullName: 'Секретарь Анна', role: 'clerk', password: 'password-123' });
    const s = await c.backend.call({ method: 'auth.signIn', args: { login: 'clerk', password: 'password-123' } }, 'http');
    const session = (s as { ok: true; value: { session: string } }).value.session;
    for (const method of ['packets.compactChanges', 'packets.changeLog']) {
      const refused = await c.backend.call({ method, args: {}, session }, 'http');
      expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    const n = entries(db).length;
    // a register accepted its full packet before migration 0009: the entries wait for a compaction
    const full = db.transaction(() => buildPacket(db, { kind: 'full' }))();
    await sign(db);
    acceptWithoutCompaction(db, full.id);
    expect(await c.call('packets.changeLog', {})).toEqual({ entries: n, sinceFull: 0, removable: n, acceptedFull: { seq: 1, changesTo: n }, missing: [] });
    const job = await waitJob(c, (await c.call('packets.compactChanges', {})).jobId);
    expect(job).toMatchObject({ kind: 'packets.compactChanges', state: 'done', done: n, total: n, result: { removed: n, remaining: 0, acceptedFull: { seq: 1 } } });
    expect(entries(db)).toEqual([]);
    const again = await waitJob(c, (await c.call('packets.compactChanges', {})).jobId);
    expect(again).toMatchObject({ state: 'done', result: { removed: 0, remaining: 0 } });
    expect(await c.call('packets.changeLog', {})).toMatchObject({ entries: 0, sinceFull: 0, removable: 0 });
    const audit = db.prepare("SELECT login, detail FROM audit_log WHERE method = 'packets.compactChanges' ORDER BY id").all() as Array<{ login: string; detail: string }>;
    expect(audit.map((e) => [e.login, JSON.parse(e.detail).result])).toEqual([['admin', { removed: n, remaining: 0 }], ['admin', { removed: 0, remaining: 0 }]]);
  });

  it('`packets compact` reports what went and what remains, and does nothing more the second time; `packets status` shows the log', async () => {
    const { c, db } = await school();
    const n = entries(db).length;
    const full = db.transaction(() => buildPacket(db, { kind: 'full' }))();
    await sign(db);
    acceptWithoutCompaction(db, full.id);
    await c.call('students.create', { lastName: 'Новикова', firstName: 'Вера', birthDate: '2014-05-05', sex: 'Ж', snils: '12345678964' });
    c.backend.close();
    const status = await cli('packets', 'status', '--db', c.dbPath);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`Журнал изменений: записей ${n + 1}; после принятого полного пакета № 1: 1; можно удалить: ${n}`);
    const first = await cli('packets', 'compact', '--slice', '2', '--db', c.dbPath);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe(`Журнал изменений сжат: удалено записей ${n}, осталось 1 (после принятого полного пакета № 1)`);
    const second = await cli('packets', 'compact', '--json', '--db', c.dbPath);
    expect(JSON.parse(second.stdout)).toEqual({ removed: 0, remaining: 1, acceptedFull: { seq: 1, changesTo: n } });
    expect((await cli('packets', 'compact', '--slice', '0', '--db', c.dbPath)).stderr).toContain('--slice: записей за транзакцию, от 1 до 1000000');
  });

  it('before any full packet is accepted there is nothing to remove, and it says so', async () => {
    const { c, db } = await school();
    const n = entries(db).length;
    c.backend.close();
    const r = await cli('packets', 'compact', '--db', c.dbPath);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`Полный пакет ещё не принят региональным сегментом: удалять из журнала изменений нечего (записей ${n})`);
  });
});

/** `packets compact --slice N` in a child process, SIGKILLed as soon as it reports its first slice removed. */
function compactKilled(file: string, slice: number): Promise<{ signal: NodeJS.Signals | null; reported: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'main/cli/bin.mjs'), 'packets', 'compact', '--slice', String(slice), '--db', file],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let reported = 0;
    p.stderr.setEncoding('utf8').on('data', (d: string) => {
      const done = Math.max(0, ...[...d.matchAll(/^(\d+) из \d+/gm)].map((m) => Number(m[1])));
      if (done > 0 && !reported) {
        reported = done;
        p.kill('SIGKILL');
      }
    });
    p.on('error', reject);
    p.on('close', (_code, signal) => resolve({ signal, reported }));
  });
}

describe('a compaction killed between slices', () => {
  it('leaves a whole log with its oldest entries gone; the next run goes on from there, and the next upload finishes it', async () => {
    const { c, db } = await school();
    // a register whose full packet was accepted before migration 0009, with a long history behind it
    db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)
      INSERT INTO changes (entity, entity_id, student_id, op) SELECT 'student', s.id, s.id, 'update' FROM n, (SELECT id FROM students LIMIT 1) s`);
    const full = db.transaction(() => buildPacket(db, { kind: 'full' }))();
    await sign(db);
    acceptWithoutCompaction(db, full.id);
    const covered = (row(db, full.id) as { changes_to: number }).changes_to;
    await c.call('students.create', { lastName: 'Новикова', firstName: 'Вера', birthDate: '2014-05-05', sex: 'Ж', snils: '12345678964' });
    const above = db.prepare('SELECT * FROM changes WHERE seq > ? ORDER BY seq').all(covered);
    expect(above).toHaveLength(1);
    c.backend.close();

    let lo = 1;
    for (const slice of [200, 500]) {
      const killed = await compactKilled(c.dbPath, slice);
      expect(killed.signal).toBe('SIGKILL');
      const raw = openRaw(c.dbPath);
      try {
        expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
        const r = raw.prepare('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM changes WHERE seq <= ?').get(covered) as { n: number; lo: number; hi: number };
        // whole slices went, from the oldest: what is left of the covered entries is one unbroken run up to changes_to
        expect(r.lo).toBeGreaterThan(lo);
        expect((r.lo - lo) % slice).toBe(0);
        expect(r.hi).toBe(covered);
        expect(r.n).toBe(covered - r.lo + 1);
        expect(r.n).toBeGreaterThan(0); // killed mid-way, not after the end
        lo = r.lo;
        expect(raw.prepare('SELECT * FROM changes WHERE seq > ? ORDER BY seq').all(covered)).toEqual(above);
      } finally {
        raw.close();
      }
    }

    // the next upload finishes the compaction before it sends anything (the receiver has had the full packet already)
    const b = await clientOn(c.dbPath);
    const r = await receiver();
    const fullRow = b.backend.db.prepare('SELECT canonical_json, signature FROM packets WHERE id = ?').get(full.id) as { canonical_json: string; signature: Buffer };
    expect((await sendPacket({ endpoint: r.url }, { id: full.id, canonicalJson: fullRow.canonical_json, signature: fullRow.signature })).kind).toBe('accepted');
    const delta = b.backend.db.transaction(() => buildPacket(b.backend.db))();
    await sign(b.backend.db);
    const up = await uploadPending(b.backend.db, { endpoint: r.url }, fast);
    expect(up.accepted.map((p) => p.id)).toEqual([delta.id]);
    expect(up.changesRemoved).toBe(covered - lo + 1);
    expect(b.backend.db.prepare('SELECT * FROM changes ORDER BY seq').all()).toEqual(above);
    expect(changeLogState(b.backend.db)).toMatchObject({ entries: 1, removable: 0, missing: [] });
  }, 120_000);
});

describe('entries deleted behind the program', () => {
  it('a delta is refused naming the missing entries, and the packets status shows them; a full packet can still be built', async () => {
    const { c, db, a: classA } = await school();
    const full = db.transaction(() => buildPacket(db, { kind: 'full' }))();
    const from = (row(db, full.id) as { changes_to: number }).changes_to;
    for (const [n, name] of ['Новикова', 'Зайцева', 'Кузнецова'].entries()) {
      const st = await c.call('students.create', { lastName: name, firstName: 'Вера', birthDate: '2014-05-05', sex: 'Ж', docKind: 'passport', docNumber: `55000${n}` });
      await c.call('orders.enrol', { order: { number: `${40 + n}-у`, date: '2025-10-01' }, studentId: st.id, classId: classA.id, date: '2025-10-02' });
    }
    // six entries after the full packet; the guard dropped, the second and third of them and the last removed
    const raw = openRaw(c.dbPath);
    open.push(raw);
    raw.exec('DROP TRIGGER changes_no_delete');
    raw.prepare('DELETE FROM changes WHERE seq IN (?, ?, ?)').run(from + 2, from + 3, from + 6);
    const err = await c.raw('packets.build', {});
    expect(err).toMatchObject({ ok: false, error: { code: 'conflict', fields: { kind: 'нужен полный пакет' } } });
    expect((err as { error: { message: string } }).error.message)
      .toBe(`Журнал изменений неполон: после пакета № 1 нет записей № ${from + 2}–${from + 3}, № ${from + 6}. Пакет изменений по нему был бы неполным: соберите полный пакет.`);
    expect(await c.call('packets.changeLog', {})).toMatchObject({ missing: [{ from: from + 2, to: from + 3 }, { from: from + 6, to: from + 6 }] });
    expect(listOutbox(db)).toHaveLength(1); // nothing built
    expect((await c.call('packets.build', { kind: 'full' })).seq).toBe(2);
    c.backend.close();
    const status = await cli('packets', 'status', '--db', c.dbPath);
    expect(status.stdout).toContain(`Журнал изменений неполон: нет записей № ${from + 2}–${from + 3}, № ${from + 6} (удалены в обход программы); соберите полный пакет`);
  });
});
