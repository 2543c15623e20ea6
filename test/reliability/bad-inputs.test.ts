// The bad-input corpus (issue 7): every file, argument list and call in test/fixtures/bad/corpus.json is refused with the
// message the user must see, and leaves the register exactly as it was (a hash of its whole content before and after;
// for a bad register file, the file's own bytes).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../main/cli/index.ts';
import type { Result } from '../../preload/contract.ts';
import { contentHash, openRaw, removeScratchDirs, scratchDir, sha256File } from '../helpers/db.ts';
import { cli } from '../helpers/cli.ts';
import type { CorpusCase } from '../fixtures/bad/make-corpus.ts';
import { corpusRegister } from './corpus-register.ts';
import { startReceiver, type Receiver } from '../regional-segment/server.ts';
import { recordFigures } from './crash.ts';

const DIR = path.resolve(import.meta.dirname, '../fixtures/bad');
const corpus = JSON.parse(fs.readFileSync(path.join(DIR, 'corpus.json'), 'utf8')) as { cases: Record<string, CorpusCase> };
const entries = Object.entries(corpus.cases);

const tally = { refused: 0, unchanged: 0, failed: [] as string[] };
afterAll(() => {
  recordFigures('bad-inputs', { suite: 'bad-inputs', runs: entries.length, detected: tally.refused, repaired: 0,
    lost: entries.length - tally.unchanged, failures: tally.failed.length, worst: tally.failed[0] ?? 'none' });
  removeScratchDirs();
});

let reg: Awaited<ReturnType<typeof corpusRegister>>;
let out: string;
/** The register's content hash, read through a separate connection (so the WAL is seen). */
const registerHash = () => {
  const raw = openRaw(reg.dbPath);
  try { return contentHash(raw); } finally { raw.close(); }
};

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver({ port: 0, dataDir: path.join(scratchDir(), 'receiver'), trustPem: [fs.readFileSync(path.join(DIR, 'packet-signer.pem'), 'utf8')] });
});
afterAll(async () => receiver?.close());

beforeAll(async () => {
  reg = await corpusRegister(scratchDir());
  out = scratchDir();
});
afterAll(() => reg?.backend.close());

const fill = (argv: string[], file?: string) =>
  argv.map((a) => a.replace('{FILE}', file ? path.join(DIR, file) : '{FILE}').replace('{DB}', reg.dbPath).replace('{OUT}', out));

async function runInProcess(argv: string[]) {
  let stdout = '', stderr = '';
  const code = await runCli(argv, { out: (s) => { stdout += s + '\n'; return true; }, err: (s) => { stderr += s + '\n'; return true; } });
  return { code, stdout, stderr };
}

describe('the bad-input corpus', () => {
  it('has at least 30 cases, every file it names exists, and every file in the folder is a case', () => {
    expect(entries.length).toBeGreaterThanOrEqual(30);
    const named = new Set(entries.map(([, c]) => c.file).filter(Boolean));
    for (const f of named) expect(fs.existsSync(path.join(DIR, f!)), f).toBe(true);
    const onDisk = fs.readdirSync(DIR).filter((f) => !['corpus.json', 'index.json', 'make-corpus.ts', 'packet-signer.pem'].includes(f) && !f.startsWith('.'));
    expect(onDisk.filter((f) => !named.has(f))).toEqual([]);
  });

  for (const [name, c] of entries) {
    it(`${name}: ${c.what}`, async () => {
      tally.failed.push(name); // taken back at the end of a passing case
      const before = c.kind === 'register' ? sha256File(path.join(DIR, c.file!)) : registerHash();
      let shown: string;
      if (c.kind === 'receiver') {
        const text = fs.readFileSync(path.join(DIR, c.file!), 'utf8');
        let key = 'none';
        try { key = JSON.parse(JSON.parse(text).packet).header.id; } catch { /* not a packet: the receiver says so */ }
        const res = await fetch(receiver.url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key }, body: text });
        const answer = await res.json() as { status: string; reasons?: Array<{ code: string; message: string }> };
        expect(res.status).toBe(c.status);
        expect(answer.status).toBe('rejected');
        expect(answer.reasons?.map((r) => r.code)).toContain(c.code);
        shown = JSON.stringify(answer);
        expect(receiver.acceptances().size, 'the receiver stored nothing').toBe(0);
      } else if (c.kind === 'api') {
        const source = c.envelope
          ? JSON.stringify(c.envelope).replace('{FILE_BASE64}', fs.readFileSync(path.join(DIR, c.file!)).toString('base64'))
          : fs.readFileSync(path.join(DIR, c.file!), 'utf8');
        const text = source.replace(/\{STUDENT:([^}]+)\}/g, (_, last: string) =>
          (reg.backend.db.prepare('SELECT id FROM students WHERE last_name = ? LIMIT 1').get(last) as { id: string }).id);
        const env = JSON.parse(text) as { method: string; args: unknown };
        const r = (await reg.backend.call({ ...env, session: reg.session }, 'ipc')) as Result<unknown>;
        expect(r.ok, JSON.stringify(r)).toBe(false);
        if (r.ok) return;
        expect(r.error.code).toBe(c.code);
        shown = `${r.error.message} ${JSON.stringify(r.error.fields ?? {})}`;
      } else {
        const run = await runInProcess(fill(c.argv!, c.file));
        expect(run.code, run.stderr + run.stdout).toBe(c.exit);
        shown = run.stderr + run.stdout;
        expect(shown).not.toMatch(/Внутренняя ошибка|TypeError|at .*\.ts:\d+/);
      }
      for (const m of c.message) expect(shown, `the user must see «${m}»`).toContain(m);
      tally.refused++;
      const after = c.kind === 'register' ? sha256File(path.join(DIR, c.file!)) : registerHash();
      expect(after, 'the register must be left as it was').toBe(before);
      tally.unchanged++;
      tally.failed.pop();
    }, 60_000);
  }

  it('a real process: the CLI exits 1 with the message on stderr for a bad workbook and a bad register', async () => {
    const before = registerHash();
    const r1 = await cli('import', 'marks', path.join(DIR, 'mark-out-of-scale.xlsx'), '--year', '2025/2026', '--db', reg.dbPath);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('Оценка 7 вне шкалы');
    const r2 = await cli('students', 'list', '--db', path.join(DIR, 'future-version.sqlite'));
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('более новой версией');
    expect(registerHash()).toBe(before);
  }, 60_000);
});
