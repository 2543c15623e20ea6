// Issue 6: 1,000 packets signed and uploaded to the reference receiver (a separate process on this machine) — packets
// per second end to end (sign + upload, each state change committed) — and the signing cost with forge's RSA against
// Node's on the same packets, in the same run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openBackend } from '../../main/host/backend.ts';
import { buildPacket } from '../../main/packets/build.ts';
import { pkcs12PacketSigner, signPackets } from '../../main/packets/sign.ts';
import { uploadPending } from '../../main/packets/upload.ts';
import { makeFixtures, PASSWORD } from '../signing/openssl-fixtures.ts';
import { tempDir } from '../helpers/register.ts';
import { SCHOOL } from '../packets/fixtures.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function startReceiver(dataDir: string, trust: string): Promise<{ url: string; stop: () => void }> {
  const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/regional-segment/cli.ts'), '--port', '0', '--data', dataDir, '--trust', trust],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ url: m[1], stop: () => p.kill('SIGTERM') });
    });
    p.on('exit', (code) => reject(new Error(`receiver exited ${code}`)));
  });
}

/** ИНН/ОГРН with their check digits, for the extra schools of the district run. */
function school(i: number) {
  const d = (x: string, i2: number) => Number(x[i2]);
  const inn9 = `77${String(1000000 + i * 7919).slice(-7)}`;
  const w = [2, 4, 10, 3, 5, 9, 4, 6, 8];
  const inn = inn9 + String((w.reduce((a, k, j) => a + k * d(inn9, j), 0) % 11) % 10);
  const ogrn12 = `10277${String(1000000 + i * 104729).slice(-7)}`;
  const ogrn = ogrn12 + String((BigInt(ogrn12) % 11n) % 10n);
  return { ...SCHOOL, shortName: `Школа № ${100 + i}`, inn, ogrn };
}

/** A register with a school of 30 students and `n` built packets: 1 full, then deltas of one portfolio entry each. */
export async function registerWithPackets(dir: string, n: number, requisites = SCHOOL) {
  const backend = openBackend({ dbPath: path.join(dir, 'register.sqlite') });
  const db = backend.db;
  const admin = await backend.call({ method: 'auth.setupAdmin', args: { login: 'admin', fullName: 'Администратор', password: 'bench-pass-1' } }, 'http');
  const session = (admin as { ok: true; value: { session: string } }).value.session;
  const s = await backend.call({ method: 'school.update', args: requisites, session }, 'http');
  if (!s.ok) throw new Error(`school.update: ${s.error.message}`);
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    const r = await backend.call({ method: 'students.create', args: { lastName: 'Иванов', firstName: 'Пётр', birthDate: '2012-01-01', sex: 'М', docKind: 'passport', docNumber: String(450000 + i) }, session }, 'http');
    if (!r.ok) throw new Error(`students.create: ${r.error.message}`);
    ids.push((r.value as { id: string }).id);
  }
  const addEntry = db.prepare("INSERT INTO portfolio_entries (student_id, event_name, status, date, result) VALUES (?, 'Олимпиада по математике', 'school', '2025-10-01', 'participant')");
  const t = performance.now();
  db.transaction(() => {
    buildPacket(db);
    for (let i = 1; i < n; i++) {
      addEntry.run(ids[i % ids.length]);
      buildPacket(db);
    }
  })();
  return { backend, db, buildMs: performance.now() - t };
}

export async function benchPackets(a: { packets?: number; forgeSample?: number; schools?: number } = {}): Promise<string[]> {
  const n = a.packets ?? 1000;
  const forgeSample = a.forgeSample ?? 100;
  const schools = a.schools ?? 4;
  const fx = makeFixtures();
  const dir = tempDir('sr-bench-packets-');
  const opened: Array<{ close(): void }> = [];
  const receiver = await startReceiver(path.join(dir, 'receiver'), fx.certPem);
  try {
    const one = await registerWithPackets(fs.mkdtempSync(path.join(dir, 'one-')), n);
    opened.push(one.backend);
    const db = one.db;
    const bytes = (db.prepare('SELECT avg(length(canonical_json)) AS b FROM packets').get() as { b: number }).b;

    // Signing cost alone, on the same packets' bytes: Node's RSA on all, forge's RSA on a sample.
    const p12 = fs.readFileSync(fx.p12Default);
    const payloads = (db.prepare('SELECT canonical_json FROM packets ORDER BY seq').all() as Array<{ canonical_json: string }>).map((r) => Buffer.from(r.canonical_json));
    const nodeSigner = pkcs12PacketSigner(p12, PASSWORD, 'node');
    const forgeSigner = pkcs12PacketSigner(p12, PASSWORD, 'forge');
    for (const p of payloads.slice(0, 20)) await nodeSigner.sign(p);
    await forgeSigner.sign(payloads[0]);
    let t = performance.now();
    for (const p of payloads) await nodeSigner.sign(p);
    const nodeEach = (performance.now() - t) / payloads.length;
    t = performance.now();
    for (const p of payloads.slice(0, forgeSample)) await forgeSigner.sign(p);
    const forgeEach = (performance.now() - t) / forgeSample;

    // Warm-up (JIT of both processes, the receiver's schema compile), not timed.
    const warm = await registerWithPackets(fs.mkdtempSync(path.join(dir, 'warm-')), 100, school(98));
    opened.push(warm.backend);
    await signPackets(warm.db, nodeSigner);
    await uploadPending(warm.db, { endpoint: receiver.url }, { scope: 'all' });

    // One school's chain: sign all in the outbox, then upload in chain order (pipelined on one connection: a gap is refused).
    const t0 = performance.now();
    await signPackets(db, nodeSigner);
    const signedAt = performance.now();
    const sum = await uploadPending(db, { endpoint: receiver.url }, { scope: 'all' });
    const t1 = performance.now();
    if (sum.accepted.length !== n) throw new Error(`only ${sum.accepted.length} of ${n} accepted: ${JSON.stringify(sum.rejected[0] ?? sum)}`);
    const perSecOne = n / ((t1 - t0) / 1000);

    // The same chain one packet at a time (no pipelining), for comparison in the same run.
    const serial = await registerWithPackets(fs.mkdtempSync(path.join(dir, 'serial-')), n, school(99));
    opened.push(serial.backend);
    const ts0 = performance.now();
    await signPackets(serial.db, nodeSigner);
    const serialSum = await uploadPending(serial.db, { endpoint: receiver.url }, { scope: 'all', window: 1 });
    const ts1 = performance.now();
    if (serialSum.accepted.length !== n) throw new Error(`serial: only ${serialSum.accepted.length} accepted`);
    const perSecSerial = n / ((ts1 - ts0) / 1000);

    // A district: the same number of packets from several schools' registers, each signed and uploaded concurrently.
    const regs = [];
    for (let i = 0; i < schools; i++) {
      const r = await registerWithPackets(fs.mkdtempSync(path.join(dir, `district-${i}-`)), Math.ceil(n / schools), school(i + 1));
      opened.push(r.backend);
      regs.push(r);
    }
    const load = os.loadavg()[0];
    const t2 = performance.now();
    const results = await Promise.all(regs.map(async (r) => {
      await signPackets(r.db, nodeSigner);
      return uploadPending(r.db, { endpoint: receiver.url }, { scope: 'all' });
    }));
    const t3 = performance.now();
    const districtN = results.reduce((x, r) => x + r.accepted.length, 0);
    if (districtN !== Math.ceil(n / schools) * schools) throw new Error(`district: only ${districtN} accepted`);
    const perSecDistrict = districtN / ((t3 - t2) / 1000);

    // What an acceptance waits for: one fsync of the receiver's log (shared by those in flight together).
    const fd = fs.openSync(path.join(dir, 'fsync-probe'), 'a');
    const tf = performance.now();
    for (let i = 0; i < 100; i++) {
      fs.writeSync(fd, 'x\n');
      fs.fdatasyncSync(fd);
    }
    const fsyncMs = (performance.now() - tf) / 100;
    fs.closeSync(fd);
    const lines = fs.readFileSync(path.join(dir, 'receiver', 'accepted.jsonl'), 'utf8').split('\n').filter(Boolean);
    const unique = new Set(lines.map((l) => JSON.parse(l).packetId)).size;
    return [
      `### Packets: ${n} packets signed and uploaded to the reference receiver (separate process, HTTP on 127.0.0.1)`,
      '',
      '| measure | result |',
      '| --- | --- |',
      `| build (1 full with 30 students + ${n - 1} deltas, mean ${Math.round(bytes)} bytes of canonical JSON) | ${(one.buildMs / 1000).toFixed(2)} s (${(n / (one.buildMs / 1000)).toFixed(0)} packets/s) |`,
      `| one school: sign ${n} in the outbox (schema check, RSA by Node, one transaction) | ${((signedAt - t0) / 1000).toFixed(2)} s |`,
      `| one school: upload ${n} in chain order, up to 8 in flight on one connection (receiver verifies, validates, fsyncs before answering) | ${((t1 - signedAt) / 1000).toFixed(2)} s |`,
      `| **one school, end to end (sign + upload)** | **${perSecOne.toFixed(0)} packets/s** |`,
      `| one school, the same chain sent one packet at a time (window 1), end to end | ${perSecSerial.toFixed(0)} packets/s |`,
      `| **${schools} schools × ${Math.ceil(n / schools)} packets, signed and uploaded concurrently, end to end** | **${perSecDistrict.toFixed(0)} packets/s** (${((t3 - t2) / 1000).toFixed(2)} s) |`,
      `| acceptances recorded by the receiver / distinct packet UUIDs (all runs, warm-up included) | ${lines.length} / ${unique} |`,
      `| one fdatasync on this disk (what an acceptance waits for; shared by the acceptances in flight) | ${fsyncMs.toFixed(2)} ms |`,
      `| one signature, RSA by Node's crypto (${payloads.length} packets) | ${nodeEach.toFixed(2)} ms |`,
      `| one signature, RSA by node-forge (first ${forgeSample} packets) | ${forgeEach.toFixed(2)} ms |`,
      '',
      `forge / Node: ${(forgeEach / nodeEach).toFixed(1)}× per signature. Goal ≥ 200 packets/s end to end. Load average during the run: ${load.toFixed(1)} (on ${os.cpus().length} cores).`,
      '',
    ];
  } finally {
    receiver.stop();
    for (const o of opened) o.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(fx.dir, { recursive: true, force: true });
  }
}
