// The crash harness (issue 7): run an operation in a child process, SIGKILL it at a seeded random moment, then check
// the register the way a clerk's next start would: integrity_check, the audit chain, nothing committed lost, and no
// partial state. Then run the operation again, uninterrupted, and check it completes. Repeated `runs` times.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { rng } from '../../main/demo/generate.ts';
import { openRegister, type DB } from '../../db/connection.ts';
import { verifyAuditChain } from '../../main/audit/verify.ts';
import { ROOT } from '../helpers/cli.ts';

export type CrashOutcome = 'before' | 'after' | 'partial';
export type CrashFigures = {
  suite: string; runs: number; failures: number; lost: number;
  killedBefore: number; killedAfter: number; rerunsCompleted: number;
  /** the worst run: what went wrong, or the longest recovery when nothing did */
  worst: string;
  failuresDetail: string[];
};

export type CrashSuite<C> = {
  name: string;
  runs: number;
  seed: number;
  /** a fresh world for one run (register file, inputs); returns what the other steps need */
  prepare(dir: string, run: number): Promise<C> | C;
  /** argv for `node main/cli/bin.mjs …`: the operation to interrupt (and to rerun) */
  argv(c: C): string[];
  /** after the kill: which side of the commit the register is on, or a description of a partial state */
  classify(db: DB, c: C): CrashOutcome | string | Promise<CrashOutcome | string>;
  /** what "completed" means after the rerun; throws with a precise message otherwise */
  completed(db: DB, c: C): void | Promise<void>;
  /** extra environment for the child (e.g. a certificate password) */
  env?: Record<string, string>;
};

function runChild(argv: string[], env: Record<string, string>, killAfterMs: number | null): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, [path.join(ROOT, 'main/cli/bin.mjs'), ...argv], { cwd: ROOT, env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = killAfterMs == null ? null : setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stderr, ms: Date.now() - t0 });
    });
  });
}

function checkRegister(file: string): DB {
  const db = openRegister(file);
  const ic = db.pragma('integrity_check', { simple: true });
  if (ic !== 'ok') throw new Error(`integrity_check: ${ic}`);
  const fk = db.pragma('foreign_key_check') as unknown[];
  if (fk.length) throw new Error(`foreign_key_check: ${JSON.stringify(fk.slice(0, 3))}`);
  const audit = verifyAuditChain(db);
  if (!audit.ok) throw new Error(`audit chain: ${audit.message}`);
  return db;
}

/** Runs the suite: one calibration run uninterrupted, then `runs` runs killed at seeded moments within its duration. */
export async function runCrashSuite<C>(s: CrashSuite<C>, workDir: string): Promise<CrashFigures> {
  const r = rng(s.seed);
  const fig: CrashFigures = { suite: s.name, runs: 0, failures: 0, lost: 0, killedBefore: 0, killedAfter: 0, rerunsCompleted: 0, worst: '', failuresDetail: [] };
  // calibration: how long the whole operation takes here, so that the kills fall across all of it
  const cal = await s.prepare(fs.mkdtempSync(path.join(workDir, 'cal-')), -1);
  const full = await runChild(s.argv(cal), s.env ?? {}, null);
  if (full.code !== 0) throw new Error(`${s.name}: the uninterrupted run failed (${full.code}): ${full.stderr}`);
  let worstMs = 0;
  for (let i = 0; i < s.runs; i++) {
    const dir = fs.mkdtempSync(path.join(workDir, `run${i}-`));
    const c = await s.prepare(dir, i);
    const file = s.argv(c)[s.argv(c).indexOf('--db') + 1];
    const killAt = Math.round(r.next() * full.ms * 1.1);
    fig.runs++;
    try {
      const killed = await runChild(s.argv(c), s.env ?? {}, killAt);
      let db = checkRegister(file);
      // classified even when the run ended before its kill: the check sees (and may note) the state either way
      const seen = await s.classify(db, c);
      const side = killed.signal === 'SIGKILL' || (seen !== 'before' && seen !== 'after') ? seen : 'after';
      db.close();
      if (side === 'before') fig.killedBefore++;
      else if (side === 'after') fig.killedAfter++;
      else throw new Error(`killed at ${killAt} ms: partial state: ${side}`);
      const t0 = Date.now();
      const again = await runChild(s.argv(c), s.env ?? {}, null);
      if (again.code !== 0) throw new Error(`killed at ${killAt} ms; the rerun failed (${again.code}): ${again.stderr.trim()}`);
      db = checkRegister(file);
      try {
        await s.completed(db, c);
      } catch (e) {
        fig.lost++;
        throw e;
      } finally {
        db.close();
      }
      fig.rerunsCompleted++;
      const ms = Date.now() - t0;
      if (ms > worstMs && !fig.failures) {
        worstMs = ms;
        fig.worst = `killed at ${killAt} ms of ${full.ms} ms (${side} the commit); the rerun completed in ${ms} ms`;
      }
    } catch (e) {
      fig.failures++;
      fig.failuresDetail.push(`run ${i}: ${(e as Error).message}`);
      fig.worst = `run ${i}: ${(e as Error).message}`;
    }
  }
  return fig;
}

/** Figures of every reliability suite land here; `npm run reliability` turns them into the README's table. */
export function recordFigures(name: string, figures: object): void {
  const dir = path.join(ROOT, 'test-results', 'reliability');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(figures, null, 2) + '\n');
}
