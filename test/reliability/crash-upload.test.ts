// Crash suite: a batch upload of 20 signed packets (`packets upload --all`) killed with SIGKILL at 50 seeded moments,
// against the reference receiver answering 300 ms late (issue 7). After each kill: integrity_check and the audit chain
// hold, and no packet has been accepted twice; the rerun resumes, and every packet ends accepted exactly once — by
// the receiver's own record and by the outbox.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../regional-segment/server.ts';
import { makeFixtures, PASSWORD, type Fixtures } from '../signing/openssl-fixtures.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { adminClient } from '../helpers/register.ts';
import { cli } from '../helpers/cli.ts';
import { packetSchool } from '../packets/fixtures.ts';
import { recordFigures, runCrashSuite } from './crash.ts';

const RUNS = Number(process.env.CRASH_RUNS ?? 50);
const PACKETS = 20;
const receivers: Receiver[] = [];
let fx: Fixtures;
let templateDir: string;
const NAME = 'register.sqlite';

afterAll(async () => {
  for (const r of receivers) await r.close();
  if (fx) fs.rmSync(fx.dir, { recursive: true, force: true });
  removeScratchDirs();
});

beforeAll(async () => {
  fx = makeFixtures();
  const c = await adminClient(scratchDir());
  const s = await packetSchool(c);
  await c.call('packets.build', {});
  for (let i = 0; i < PACKETS - 1; i++) {
    const st = await c.call('students.create', { lastName: ['Новиков', 'Захаров', 'Соколов', 'Морозов'][i % 4], firstName: 'Илья', birthDate: '2014-04-04', sex: 'М',
      docKind: 'passport', docNumber: String(300000 + i) });
    await c.call('orders.enrol', { order: { number: `${60 + i}-у`, date: '2025-10-01' }, studentId: st.id, classId: s.a.id, date: '2025-10-02' });
    await c.call('packets.build', {});
  }
  c.backend.close();
  const pw = path.join(fx.dir, 'password.txt');
  fs.writeFileSync(pw, PASSWORD + '\n');
  const signed = await cli('packets', 'sign', '--cert', fx.p12Default, '--password-file', pw, '--db', c.dbPath);
  expect(signed.stdout).toContain(`Подписано пакетов: ${PACKETS}`);
  templateDir = path.dirname(c.dbPath);
}, 180_000);

describe(`crash: a batch upload killed at ${RUNS} seeded moments`, () => {
  it('resumes after every kill, and every packet is accepted exactly once', async () => {
    const figures = await runCrashSuite({
      name: 'upload', runs: RUNS, seed: 7004,
      prepare: async (dir) => {
        for (const f of fs.readdirSync(templateDir).filter((x) => x.startsWith(NAME))) fs.copyFileSync(path.join(templateDir, f), path.join(dir, f));
        const receiver = await startReceiver({ port: 0, dataDir: path.join(dir, 'receiver'), trustPem: [fs.readFileSync(fx.certPem, 'utf8')], faults: 'slow=300' });
        receivers.push(receiver);
        return { file: path.join(dir, NAME), receiver };
      },
      argv: (c) => ['packets', 'upload', '--all', '--db', c.file, '--endpoint', c.receiver.url],
      classify: (db, c) => {
        const twice = [...c.receiver.acceptances()].filter(([, n]) => n > 1);
        if (twice.length) return `accepted twice: ${twice.map(([id]) => id).join(', ')}`;
        const accepted = (db.prepare("SELECT count(*) AS n FROM packets WHERE state = 'accepted'").get() as { n: number }).n;
        return accepted === PACKETS ? 'after' : 'before';
      },
      completed: (db, c) => {
        const states = db.prepare('SELECT id, state FROM packets ORDER BY seq').all() as Array<{ id: string; state: string }>;
        const notAccepted = states.filter((p) => p.state !== 'accepted');
        if (states.length !== PACKETS || notAccepted.length) throw new Error(`after the rerun: ${notAccepted.length} of ${states.length} packets not accepted (${notAccepted.map((p) => p.state).join(', ')})`);
        const acc = c.receiver.acceptances();
        if (acc.size !== PACKETS || [...acc.values()].some((n) => n !== 1)) throw new Error(`the receiver accepted ${acc.size} packets, counts ${[...acc.values()].join(',')}`);
        for (const p of states) if (!acc.has(p.id)) throw new Error(`packet ${p.id} accepted by the outbox but not by the receiver`);
      },
    }, scratchDir());
    recordFigures('crash-upload', figures);
    console.log(JSON.stringify(figures));
    expect(figures.failuresDetail).toEqual([]);
    expect(figures.rerunsCompleted).toBe(RUNS);
  }, 1_500_000);
});
