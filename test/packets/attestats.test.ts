// Attestat requisites in packets (issue 6) on a real register driven through the contract: blank forms received and
// attestats issued with attestats.*, a full packet carrying every issued attestat, a delta carrying exactly those issued
// since the previous packet (across packets that carried none, after a rejected packet, after a second full packet), the
// reference receiver accepting them with signatures openssl verifies, and an attestat the schema refuses caught before
// signing with its JSON pointer.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pkcs12PacketSigner, signPackets } from '../../main/packets/sign.ts';
import { schemaProblems } from '../../main/packets/validate.ts';
import type { Packet, PacketAttestat } from '../../main/packets/model.ts';
import { canonicalJson } from '../../main/shared/jcs.ts';
import { expectError } from '../helpers/db.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';
import { makeFixtures, opensslVerify, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';
import { startReceiver } from '../regional-segment/server.ts';
import { packetSchool } from './fixtures.ts';

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

/** The packet school with blank forms received: 9th class series 077 № 101–110, 11th class series «77 АБ» № 1–5. */
async function school() {
  const c = await adminClient(tempDir());
  open.push({ close: () => c.backend.close() });
  const s = await packetSchool(c);
  await c.call('attestats.receiveForms', { kind: 9, series: '077', firstNumber: 101, lastNumber: 110, receivedOn: '2026-05-20', document: 'Накладная № 15 от 20.05.2026' });
  await c.call('attestats.receiveForms', { kind: 11, series: '77 АБ', firstNumber: 1, lastNumber: 5, receivedOn: '2026-05-21', document: 'Акт № 3 от 21.05.2026' });
  // blanks «с отличием», a form of their own (migration 0022): 9th 077 № 201–205, 11th «77 АО» № 1–5
  await c.call('attestats.receiveForms', { kind: 9, honours: true, series: '077', firstNumber: 201, lastNumber: 205, receivedOn: '2026-05-20', document: 'Накладная № 15-О' });
  await c.call('attestats.receiveForms', { kind: 11, honours: true, series: '77 АО', firstNumber: 1, lastNumber: 5, receivedOn: '2026-05-21', document: 'Акт № 3-О' });
  const issue = (studentId: string, kind: 9 | 11, series: string, number: number, issueDate: string, recipient: string, withHonours = false) =>
    c.call('attestats.issue', { studentId, kind, series, number, issueDate, recipient, withHonours });
  return { c, db: c.backend.db, issue, ...s };
}

const packetOf = (db: DBT, id: string) =>
  JSON.parse((db.prepare('SELECT canonical_json FROM packets WHERE id = ?').get(id) as { canonical_json: string }).canonical_json) as Packet;
/** The requisites a packet must carry for an attestat as the register lists it. */
const requisites = (a: { id: number; studentId: string; kind: 9 | 11; series: string; number: number; year: string; regNumber: number; issueDate: string;
  withHonours: boolean }): PacketAttestat => ({ id: String(a.id), studentId: a.studentId, kind: a.kind, series: a.series, number: a.number, year: a.year,
  regNumber: a.regNumber, issueDate: a.issueDate, withHonours: a.withHonours });

describe('attestats in packets', () => {
  it('a full packet carries every issued attestat with its requisites (not a spoiled form, not the recipient) and validates against the schema', async () => {
    const { c, db, issue, withSnils, withDoc, third } = await school();
    const orlova = await issue(withSnils.id, 9, '077', 201, '2026-06-20', 'Орлова Мария Игоревна', true);
    await c.call('attestats.spoilForm', { series: '077', number: 102, date: '2026-06-21', reason: 'Ошибка в дате рождения' });
    const yolkin = await issue(withDoc.id, 9, '077', 103, '2026-06-25', 'Ёлкина Анна Павловна (мать)');
    const aliev = await issue(third.id, 11, '77 аб', 3, '2026-06-26', 'Алиев Тимур Русланович'); // the series as typed; kept as printed
    expect(aliev.series).toBe('77 АБ');

    const b = await c.call('packets.build', {});
    expect(b).toMatchObject({ kind: 'full', seq: 1 });
    const p = packetOf(db, b.id);
    expect(schemaProblems(p)).toEqual([]);
    expect(p.attestats).toEqual([
      { id: String(orlova.id), studentId: withSnils.id, kind: 9, series: '077', number: 201, year: '2025/2026', regNumber: 1, issueDate: '2026-06-20', withHonours: true },
      { id: String(yolkin.id), studentId: withDoc.id, kind: 9, series: '077', number: 103, year: '2025/2026', regNumber: 2, issueDate: '2026-06-25', withHonours: false },
      { id: String(aliev.id), studentId: third.id, kind: 11, series: '77 АБ', number: 3, year: '2025/2026', regNumber: 3, issueDate: '2026-06-26', withHonours: false },
    ]);
    // the same as the book of issued attestats lists them
    expect(p.attestats).toEqual((await c.call('attestats.list', {})).map(requisites));
    expect(JSON.stringify(p.attestats)).not.toContain('Ёлкина Анна Павловна');
  });

  it('a delta carries exactly the attestats issued since the previous packet: across packets without any, after a rejected one, after a second full one', async () => {
    const { c, db, a, issue, withSnils, withDoc, third } = await school();
    const first = await issue(withSnils.id, 9, '077', 101, '2026-06-20', 'Орлова Мария Игоревна');
    const full = await c.call('packets.build', {});
    expect(packetOf(db, full.id).attestats.map((x) => x.id)).toEqual([String(first.id)]);
    expect(expectError(await c.raw('packets.build', {}), 'validation').message).toMatch(/ничего не изменилось/);

    // a delta with no attestat in it: the next delta must look past it
    const st = await c.call('students.create', { lastName: 'Новикова', firstName: 'Вера', birthDate: '2014-05-05', sex: 'Ж', snils: '12345678964' });
    await c.call('orders.enrol', { order: { number: '20-у', date: '2025-10-01' }, studentId: st.id, classId: a.id, date: '2025-10-02' });
    const d2 = await c.call('packets.build', {});
    expect(packetOf(db, d2.id)).toMatchObject({ header: { seq: 2, kind: 'delta' }, attestats: [] });

    const second = await issue(withDoc.id, 9, '077', 104, '2026-06-25', 'Ёлкин Пётр');
    // text that looks like an empty attestat list, inside a string of the same packet, must not hide the attestat in it
    await c.call('portfolio.add', { studentId: withDoc.id, eventName: 'Конкурс "attestats":[]', status: 'school', date: '2026-04-01', result: 'participant' });
    const d3 = await c.call('packets.build', {});
    const p3 = packetOf(db, d3.id);
    expect(schemaProblems(p3)).toEqual([]);
    expect(p3).toMatchObject({ header: { seq: 3, kind: 'delta', prevHash: d2.sha256 }, students: [], events: [], stateExams: [], removed: [] });
    expect(p3.portfolio.map((x) => x.eventName)).toEqual(['Конкурс "attestats":[]']);
    expect(p3.attestats).toEqual([{ id: String(second.id), studentId: withDoc.id, kind: 9, series: '077', number: 104, year: '2025/2026', regNumber: 2,
      issueDate: '2026-06-25', withHonours: false }]);
    // sent once: an attestat alone is not a change again
    expect(expectError(await c.raw('packets.build', {}), 'validation').message).toMatch(/ничего не изменилось/);

    // the receiver refuses packet 4: what it carried goes again in the packet that takes its place
    const third9 = await issue(third.id, 9, '077', 105, '2026-06-26', 'Алиев Тимур Русланович');
    const d4 = await c.call('packets.build', {});
    expect(packetOf(db, d4.id).attestats.map((x) => x.id)).toEqual([String(third9.id)]);
    db.prepare("UPDATE packets SET state = 'signed', signature = x'30', signer = 'CN=x', signed_at = '2026-07-01T00:00:00Z' WHERE id = ?").run(d4.id);
    db.prepare("UPDATE packets SET state = 'sending' WHERE id = ?").run(d4.id);
    db.prepare("UPDATE packets SET state = 'rejected', reasons = '[{\"code\":\"untrusted_signer\"}]' WHERE id = ?").run(d4.id);
    const third11 = await issue(third.id, 11, '77 АБ', 1, '2026-06-27', 'Алиев Тимур Русланович');
    const d4b = await c.call('packets.build', {});
    expect(d4b).toMatchObject({ seq: 4, kind: 'delta', prevHash: d3.sha256 });
    expect(packetOf(db, d4b.id).attestats.map((x) => [x.id, x.kind])).toEqual([[String(third9.id), 9], [String(third11.id), 11]]);

    // a full packet again carries them all; the delta after it only what came since
    const full5 = await c.call('packets.build', { kind: 'full' });
    expect(packetOf(db, full5.id).attestats.map((x) => x.id)).toEqual([first.id, second.id, third9.id, third11.id].map(String));
    const fifth = await issue(withSnils.id, 11, '77 АО', 2, '2026-06-28', 'Орлова Мария Игоревна', true);
    const d6 = await c.call('packets.build', {});
    expect(d6).toMatchObject({ seq: 6, kind: 'delta' });
    expect(packetOf(db, d6.id).attestats).toEqual([{ id: String(fifth.id), studentId: withSnils.id, kind: 11, series: '77 АО', number: 2, year: '2025/2026',
      regNumber: 5, issueDate: '2026-06-28', withHonours: true }]);
  });

  it('the reference receiver accepts a full packet and a delta with attestats, once each; openssl verifies the stored signatures', async () => {
    const { c, issue, withSnils, withDoc } = await school();
    const rcvDir = tempDir('sr-rcv-');
    const r = await startReceiver({ port: 0, dataDir: rcvDir, trustPem: [fs.readFileSync(fx.certPem, 'utf8')] });
    open.push(r);
    await c.call('packets.setEndpoint', { endpoint: r.url });
    await c.call('packets.loadCertificate', { p12Base64: fs.readFileSync(fx.p12Default).toString('base64'), password: PASSWORD });
    const first = await issue(withSnils.id, 9, '077', 201, '2026-06-20', 'Орлова Мария Игоревна', true);
    await c.call('packets.build', {});
    const second = await issue(withDoc.id, 9, '077', 102, '2026-06-25', 'Ёлкин Пётр');
    await c.call('packets.build', {});
    expect((await c.call('packets.sign', { password: PASSWORD })).signed.map((p) => p.seq)).toEqual([1, 2]);
    const { jobId } = await c.call('packets.upload', {});
    let job = await c.call('jobs.status', { id: jobId });
    while (job.state === 'running') {
      await new Promise((res) => setTimeout(res, 20));
      job = await c.call('jobs.status', { id: jobId });
    }
    expect(job).toMatchObject({ state: 'done', done: 2, total: 2 });
    const rows = (await c.call('packets.list', {})).rows.sort((x, y) => x.seq - y.seq);
    expect(rows.map((p) => p.state)).toEqual(['accepted', 'accepted']);
    expect([...r.acceptances().values()]).toEqual([1, 1]);
    // what the receiver stored: the full packet with the first attestat, the delta with exactly the second
    const storedAt = (id: string) => path.join(rcvDir, 'packets', id);
    const received = rows.map((p) => JSON.parse(fs.readFileSync(`${storedAt(p.id)}.json`, 'utf8')) as Packet);
    expect(received.map((p) => [p.header.kind, p.attestats.map((x) => x.id)])).toEqual([['full', [String(first.id)]], ['delta', [String(second.id)]]]);
    expect(received[1].attestats[0]).toMatchObject({ series: '077', number: 102, regNumber: 2, withHonours: false });
    for (const p of rows) {
      const v = opensslVerify(fx.dir, fs.readFileSync(`${storedAt(p.id)}.p7s`), fs.readFileSync(`${storedAt(p.id)}.json`), fx.certPem);
      expect(v.stderr).toContain('Verification successful');
    }
  });

  it('an attestat the schema refuses (a series written past the service) is caught before signing, with its JSON pointer; nothing is stored or signed', async () => {
    const { c, db, withSnils } = await school();
    // The service keeps a series as printed (capitals, digits, hyphens, single spaces); the table only asks for 1–20
    // characters, so a hand past the service (an old import, a manual edit) can leave «аб/1» in the book.
    const receipt = Number(db.prepare(`INSERT INTO attestat_form_receipts (kind, series, first_number, last_number, received_on, document, created_at, created_by)
      VALUES (9, 'аб/1', 1, 1, '2026-05-20', 'Накладная № 9', '2026-05-20T10:00:00.000Z', 'cli:test')`).run().lastInsertRowid);
    const form = Number(db.prepare("INSERT INTO attestat_forms (receipt_id, kind, series, number) VALUES (?, 9, 'аб/1', 1)").run(receipt).lastInsertRowid);
    db.prepare(`INSERT INTO attestats (year_id, reg_number, student_id, kind, form_id, issue_date, recipient, created_at, created_by)
      VALUES ((SELECT id FROM academic_years), 1, ?, 9, ?, '2026-06-20', 'Орлова Мария Игоревна', '2026-06-20T10:00:00.000Z', 'cli:test')`).run(withSnils.id, form);
    const e = expectError(await c.raw('packets.build', {}), 'validation', 'pointer');
    expect(e.fields!.pointer).toBe('/attestats/0/series');
    expect(e.message).toContain('/attestats/0/series — значение не в нужном формате (ученик Орлова Мария, дата рождения 2014-03-04)');
    expect(e.message).toContain('Пакет не подписан');
    expect((await c.call('packets.list', {})).rows).toEqual([]);
  });

  it('a built packet whose attestat no longer fits the schema is refused at signing, before any signature', async () => {
    const { c, db, issue, withSnils } = await school();
    await c.call('packets.build', {});
    await issue(withSnils.id, 9, '077', 101, '2026-06-20', 'Орлова Мария Игоревна');
    const d = await c.call('packets.build', {});
    const p = packetOf(db, d.id);
    p.attestats[0].series = '077 '; // a trailing space: not a series as printed
    const json = canonicalJson(p);
    db.exec('DROP TRIGGER packets_content_fixed'); // only a tampering hand could do this
    db.prepare('UPDATE packets SET canonical_json = ?, sha256 = ? WHERE id = ?').run(json, crypto.createHash('sha256').update(json).digest('hex'), d.id);
    await expect(signPackets(db, pkcs12PacketSigner(fs.readFileSync(fx.p12Default), PASSWORD)))
      .rejects.toThrow(/\/attestats\/0\/series — значение не в нужном формате \(ученик [0-9a-f-]{36}\).*Пакет не подписан/);
    expect((await c.call('packets.list', {})).rows.map((r) => [r.seq, r.state, r.signer])).toEqual([[2, 'built', null], [1, 'built', null]]);
  });
});
