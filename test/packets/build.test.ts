// Building packets from a real register file: the full snapshot, a delta that carries exactly what changed, marks only
// from sealed ledgers, the combined identifier where there is no СНИЛС, canonical JSON and its hash, and a packet the
// schema refuses caught before it is signed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPacket } from '../../main/packets/build.ts';
import { canonicalJson } from '../../main/shared/jcs.ts';
import { listOutbox } from '../../main/packets/outbox.ts';
import { pkcs12PacketSigner, signPackets } from '../../main/packets/sign.ts';
import { schemaProblems } from '../../main/packets/validate.ts';
import type { Packet } from '../../main/packets/model.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';
import { makeFixtures, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';
import { ledgerData, packetSchool, sealLedgerVersionForTest } from './fixtures.ts';

let fx: Fixtures;
beforeAll(() => {
  fx = makeFixtures();
});
afterAll(() => fs.rmSync(fx.dir, { recursive: true, force: true }));
const clients: Client[] = [];
afterEach(() => {
  while (clients.length) clients.pop()!.backend.close();
});
async function school() {
  const c = await adminClient(tempDir());
  clients.push(c);
  return { c, db: c.backend.db, ...(await packetSchool(c)) };
}
const build = (db: Client['backend']['db'], kind?: 'full' | 'delta') => db.transaction(() => buildPacket(db, { kind }))();
const stored = (db: Client['backend']['db'], id: string) =>
  db.prepare('SELECT canonical_json, sha256, changes_to FROM packets WHERE id = ?').get(id) as { canonical_json: string; sha256: string; changes_to: number };
const packetOf = (db: Client['backend']['db'], id: string) => JSON.parse(stored(db, id).canonical_json) as Packet;

describe('canonical JSON (RFC 8785)', () => {
  it('sorts members by UTF-16 code units, has no whitespace, and writes numbers the ECMAScript way', () => {
    // RFC 8785 §3.2.3 sorting example (code units: "\u20ac" < "\ud83d\ude00" < "\ufb33")
    expect(canonicalJson({ '\u20ac': 'Euro', '\r': 'CR', '\ufb33': 'Hebrew', '1': 'One', '\ud83d\ude00': 'Smiley', '\u0080': 'Control', 'ö': 'Latin' }))
      .toBe('{"\\r":"CR","1":"One","\u0080":"Control","ö":"Latin","\u20ac":"Euro","\ud83d\ude00":"Smiley","\ufb33":"Hebrew"}');
    expect(canonicalJson({ b: [1e21, 1e-7, -0, 0.1 + 0.2, 333333333.3333333], a: { z: null, y: true } }))
      .toBe('{"a":{"y":true,"z":null},"b":[1e+21,1e-7,0,0.30000000000000004,333333333.3333333]}');
    expect(canonicalJson({ s: 'Ёлкин "П" \u001f' })).toBe('{"s":"Ёлкин \\"П\\" \\u001f"}');
    expect(() => canonicalJson({ x: NaN })).toThrow(/\$\.x: NaN is not a JSON number/);
    expect(() => canonicalJson({ d: new Date() })).toThrow(/\$\.d: a Date object is not JSON data/);
  });
});

describe('building packets', () => {
  it('the first packet is a full snapshot: school identity, every student, events with their orders, stored as built', async () => {
    const { db, withSnils, withDoc } = await school();
    const b = build(db);
    expect(b).toMatchObject({ seq: 1, kind: 'full', prevHash: null, students: 3 });
    const row = stored(db, b.id);
    // what is stored is canonical and its hash is the SHA-256 of those bytes
    expect(canonicalJson(JSON.parse(row.canonical_json))).toBe(row.canonical_json);
    expect(crypto.createHash('sha256').update(row.canonical_json, 'utf8').digest('hex')).toBe(row.sha256);
    const p = packetOf(db, b.id);
    expect(schemaProblems(p)).toEqual([]);
    expect(p.header).toMatchObject({ id: b.id, seq: 1, prevHash: null, kind: 'full', school: { inn: '7707083893', ogrn: '1027700132195', regionCode: '77' } });
    const orlova = p.students.find((s) => s.id === withSnils.id)!;
    expect(orlova).toMatchObject({ snils: '11223344595', lastName: 'Орлова', birthDate: '2014-03-04' });
    // no СНИЛС: the combined identifier — ФИО, birth date, identity document
    expect(p.students.find((s) => s.id === withDoc.id)).toEqual({
      id: withDoc.id, snils: null, lastName: 'Ёлкин', firstName: 'Пётр', middleName: null, birthDate: '2014-07-19', sex: 'М',
      document: { kind: 'birth_certificate', series: 'IV-МЮ', number: '654321', date: '2014-08-01' },
    });
    expect(p.events).toHaveLength(3);
    expect(p.events[0]).toMatchObject({ kind: 'enrolment', date: '2025-09-01', order: { number: '15-у', date: '2025-08-28' }, fromClass: null, toClass: { name: '5А', year: '2025/2026' } });
    expect(p.yearlyMarks).toEqual([]); // nothing sealed yet
    expect(listOutbox(db)).toMatchObject([{ id: b.id, state: 'built', seq: 1 }]);
  });

  it('a delta carries exactly what changed since the previous packet: the enrolled student and the event, nothing else', async () => {
    const { c, db, a, b: classB, withSnils } = await school();
    const first = build(db);
    expect(() => build(db, 'delta')).toThrow(/ничего не изменилось/); // an empty delta is refused
    // a card saved with a new address only (not sent to the region) is no change either
    const w = await c.call('students.get', { id: withSnils.id });
    await c.call('students.update', { id: w.id, data: { lastName: w.lastName, firstName: w.firstName, middleName: w.middleName, birthDate: w.birthDate,
      sex: w.sex, snils: w.snils, address: 'Москва, ул. Новая, 1', guardians: [] } });
    expect(() => build(db, 'delta')).toThrow(/ничего не изменилось/);
    const newcomer = await c.call('students.create', { lastName: 'Новикова', firstName: 'Вера', birthDate: '2014-05-05', sex: 'Ж', snils: '12345678964' });
    await c.call('orders.enrol', { order: { number: '20-у', date: '2025-10-01' }, studentId: newcomer.id, classId: a.id, date: '2025-10-02' });
    await c.call('orders.transfer', { order: { number: '21-п', date: '2025-10-03' }, studentId: withSnils.id, toClassId: classB.id, date: '2025-10-03' });
    const d = build(db);
    expect(d).toMatchObject({ seq: 2, kind: 'delta', prevHash: first.sha256, students: 1 });
    const p = packetOf(db, d.id);
    expect(p.header).toMatchObject({ seq: 2, kind: 'delta', prevHash: stored(db, first.id).sha256 });
    expect(p.students.map((s) => s.id)).toEqual([newcomer.id]);
    expect(p.events.map((e) => [e.studentId, e.kind, e.order.number])).toEqual([[newcomer.id, 'enrolment', '20-у'], [withSnils.id, 'transfer', '21-п']]);
    expect(p.events[1]).toMatchObject({ fromClass: { name: '5А' }, toClass: { name: '5Б' } });
    expect(stored(db, d.id).changes_to).toBeGreaterThan(stored(db, first.id).changes_to);
    // the next delta starts after this one
    await c.call('students.update', { id: newcomer.id, data: { lastName: 'Новикова', firstName: 'Вероника', birthDate: '2014-05-05', sex: 'Ж', snils: '12345678964' } });
    const p3 = packetOf(db, build(db).id);
    expect(p3.students.map((s) => s.firstName)).toEqual(['Вероника']);
    expect(p3.events).toEqual([]);
  });

  it('a rejected packet frees its place: the next one takes its number and carries its changes too', async () => {
    const { c, db, a } = await school();
    const first = build(db);
    const enrolNew = async (lastName: string, snils: string) => {
      const st = await c.call('students.create', { lastName, firstName: 'Вера', birthDate: '2014-05-05', sex: 'Ж', snils });
      await c.call('orders.enrol', { order: { number: '20-у', date: '2025-10-01' }, studentId: st.id, classId: a.id, date: '2025-10-02' });
      return st.id;
    };
    const one = await enrolNew('Новикова', '12345678964');
    const second = build(db);
    // the receiver refused it (e.g. an untrusted certificate)
    db.prepare("UPDATE packets SET state = 'signed', signature = x'30', signer = 'CN=x', signed_at = '2026-01-01T00:00:00Z' WHERE id = ?").run(second.id);
    db.prepare("UPDATE packets SET state = 'sending' WHERE id = ?").run(second.id);
    db.prepare("UPDATE packets SET state = 'rejected', reasons = '[{\"code\":\"untrusted_signer\"}]' WHERE id = ?").run(second.id);
    const two = await enrolNew('Зайцева', '22334455639');
    const next = build(db);
    expect(next).toMatchObject({ seq: 2, kind: 'delta', prevHash: first.sha256 });
    expect(packetOf(db, next.id).students.map((s) => s.id).sort()).toEqual([one, two].sort());
  });

  it('state exams and portfolio travel in full and delta packets; a removed record is listed as removed', async () => {
    const { db, withSnils, math } = await school();
    db.prepare("INSERT INTO state_exam_results (student_id, kind, subject_id, year, score, mark) VALUES (?, 'ОГЭ', ?, 2030, 27, 5)").run(withSnils.id, math.id);
    const full = packetOf(db, build(db).id);
    expect(full.stateExams).toEqual([{ id: '1', studentId: withSnils.id, kind: 'ОГЭ', subject: 'Математика', federalCode: '05', year: 2030, score: 27, mark: 5 }]);
    db.prepare("INSERT INTO portfolio_entries (student_id, event_name, status, date, result, title) VALUES (?, 'Олимпиада по математике', 'municipal', '2026-01-15', 'winner', 'Победитель')").run(withSnils.id);
    db.prepare('DELETE FROM state_exam_results WHERE id = 1').run();
    const delta = packetOf(db, build(db).id);
    expect(delta.students).toEqual([]);
    expect(delta.portfolio).toEqual([{ id: '1', studentId: withSnils.id, eventName: 'Олимпиада по математике', status: 'municipal', date: '2026-01-15', result: 'winner', title: 'Победитель' }]);
    expect(delta.stateExams).toEqual([]);
    expect(delta.removed).toEqual([{ entity: 'stateExam', id: '1' }]);
  });

  it('yearly marks come from sealed ledger versions only: the current version in a full packet, new versions in a delta', async () => {
    const { db, a, withSnils, withDoc, third } = await school();
    // unsealed marks are in the register but not in any packet
    const data1 = ledgerData('5А', '2025/2026', ['Математика', 'Русский язык'], [
      { id: withSnils.id, fullName: 'Орлова Мария Игоревна', annual: { 'Математика': '5', 'Русский язык': '4' } },
      { id: withDoc.id, fullName: 'Ёлкин Пётр', annual: { 'Математика': '3', 'Русский язык': null } },
    ]);
    sealLedgerVersionForTest(db, a.id, data1);
    const v2 = sealLedgerVersionForTest(db, a.id, { ...data1, students: [...data1.students, { ...data1.students[0], n: 3, id: third.id, fullName: 'Алиев Тимур Русланович' }] });
    const full = packetOf(db, build(db).id);
    expect(full.yearlyMarks).toHaveLength(1); // the current version only
    expect(full.yearlyMarks[0]).toMatchObject({ class: { name: '5А', year: '2025/2026' }, version: 2, sha256: v2.sha256 });
    expect(full.yearlyMarks[0].marks).toContainEqual({ studentId: withSnils.id, subject: 'Математика', federalCode: '05', annual: '5', exam: null, final: null });
    expect(full.yearlyMarks[0].marks).toContainEqual({ studentId: withDoc.id, subject: 'Русский язык', federalCode: '01', annual: null, exam: null, final: null });
    expect(full.yearlyMarks[0].marks).toHaveLength(6);
    const v3 = sealLedgerVersionForTest(db, a.id, data1);
    const delta = packetOf(db, build(db).id);
    expect(delta.yearlyMarks.map((l) => [l.version, l.sha256])).toEqual([[3, v3.sha256]]);
    // a sealed version whose bytes no longer match its hash is not sent
    db.exec('DROP TRIGGER IF EXISTS ledger_versions_no_update'); // (after the merge: the ledgers migration's guard) only a tampering hand
    db.prepare("UPDATE ledger_versions SET canonical_json = replace(canonical_json, '\"annual\":\"5\"', '\"annual\":\"4\"') WHERE version = 3").run();
    expect(() => build(db, 'full')).toThrow(/повреждена: хеш не совпадает с печатью/);
  });

  it('a schema-invalid packet is caught before signing, with the JSON pointer of the bad field; nothing is stored or signed', async () => {
    const { c, db } = await school();
    // A student with neither СНИЛС nor an identity document has no identifier the regional segment accepts.
    const bad = await c.call('students.create', { lastName: 'Безымянный', firstName: 'Иван', birthDate: '2014-02-02', sex: 'М' });
    let err: (Error & { fields?: Record<string, string> }) | null = null;
    try {
      build(db);
    } catch (e) {
      err = e as Error;
    }
    const index = (packetIndex: string[]) => packetIndex.indexOf(bad.id);
    const order = (db.prepare('SELECT id FROM students ORDER BY id').all() as Array<{ id: string }>).map((r) => r.id);
    expect(err?.message).toContain(`/students/${index(order)}/document`);
    expect(err?.message).toContain('ученик Безымянный Иван, дата рождения 2014-02-02');
    expect(err?.message).toContain('Пакет не подписан');
    expect(err?.fields?.pointer).toBe(`/students/${index(order)}/document`);
    expect(listOutbox(db)).toEqual([]);

    // A packet that became invalid in the file after it was built is refused at signing, before any signature.
    await c.call('students.update', { id: bad.id, data: { lastName: 'Безымянный', firstName: 'Иван', birthDate: '2014-02-02', sex: 'М', snils: '12345678964' } });
    const b = build(db);
    const p = packetOf(db, b.id);
    p.header.school.inn = '77070838';
    const json = canonicalJson(p);
    db.exec('DROP TRIGGER packets_content_fixed'); // only a tampering hand could do this
    db.prepare('UPDATE packets SET canonical_json = ?, sha256 = ? WHERE id = ?').run(json, crypto.createHash('sha256').update(json).digest('hex'), b.id);
    const signer = pkcs12PacketSigner(fs.readFileSync(fx.p12Default), PASSWORD);
    await expect(signPackets(db, signer)).rejects.toThrow(/\/header\/school\/inn — значение не в нужном формате.*Пакет не подписан/);
    expect(listOutbox(db)[0]).toMatchObject({ state: 'built', signer: null });
  });

  it('a built packet whose bytes changed in the file is not signed (its hash no longer matches)', async () => {
    const { db } = await school();
    const b = build(db);
    db.exec('DROP TRIGGER packets_content_fixed');
    db.prepare("UPDATE packets SET canonical_json = replace(canonical_json, 'Орлова', 'Орлов') WHERE id = ?").run(b.id);
    await expect(signPackets(db, pkcs12PacketSigner(fs.readFileSync(fx.p12Default), PASSWORD))).rejects.toThrow(/изменён после сборки/);
    expect(listOutbox(db)[0].state).toBe('built');
  });
});
