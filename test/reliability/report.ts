// The README's "Reliability" table, from the figures the reliability suites write to test-results/reliability/.
//   tsx test/reliability/report.ts --write   rewrite the table in README.md (npm run reliability does this)
//   tsx test/reliability/report.ts --check   fail when README.md's counts differ from this run's (CI); the worst-case
//                                            column holds timings and is shown, not compared
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIG = path.join(ROOT, 'test-results', 'reliability');
const README = path.join(ROOT, 'README.md');
const BEGIN = '<!-- reliability:begin (npm run reliability writes this table) -->';
const END = '<!-- reliability:end -->';

type Figures = { suite: string; runs: number; detected?: number; repaired?: number; lost: number; failures: number; worst: string;
  killedBefore?: number; killedAfter?: number };

/** The suites in the order shown, with what each does in words; a suite that did not run shows as such. */
const SUITES: Array<[file: string, what: string]> = [
  ['crash-import', 'Crash: marks import SIGKILLed at seeded moments; integrity, audit chain, all-or-nothing, rerun completes'],
  ['crash-seal', 'Crash: sealing a year SIGKILLed at seeded moments; no class half-sealed, rerun completes'],
  ['crash-backup', 'Crash: two-destination backup SIGKILLed; no incomplete bag passes as complete, next run succeeds'],
  ['crash-encrypted-backup', 'Crash: encrypted backup SIGKILLed; no unencrypted register left in the temp folder or on the media, next run cleans up and succeeds'],
  ['crash-upload', 'Crash: batch upload SIGKILLed; every packet accepted exactly once after resume'],
  ['tamper', 'Tamper: sealed marks, archive files, audit entries, packets, backup copies changed behind the app; each named by verify (copies repaired from the twin)'],
  ['bad-inputs', 'Bad input corpus (test/fixtures/bad): refused with its message, register hash unchanged'],
  ['api-fuzz', 'API fuzz over IPC and HTTP: only validation errors, no crash, no write'],
  ['electronegativity', 'Electronegativity over the Electron shell: HIGH/MEDIUM findings'],
  ['personal-data', 'Logs the suites write and encrypted backups scanned for ФИО, СНИЛС and secrets'],
  ['brute-force', 'Brute force on sign-in: 300 wrong passwords then the right one (a burst; one a minute), a flood of one client over many logins, made-up logins; delayed or locked, lifted by an admin, every try in the audit log, another user\'s sign-in fast'],
  ['permissions', 'Permissions: every file and folder a register, a seal, plain and encrypted backups, restores and a printout left, stat\'ed; found readable by others (0600/0700 on POSIX)'],
];

function load(): Map<string, Figures> {
  const m = new Map<string, Figures>();
  if (!fs.existsSync(FIG)) return m;
  for (const f of fs.readdirSync(FIG).filter((x) => x.endsWith('.json'))) m.set(f.replace(/\.json$/, ''), JSON.parse(fs.readFileSync(path.join(FIG, f), 'utf8')));
  return m;
}

const cell = (v: number | undefined) => (v === undefined ? '—' : String(v));
const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function table(figs: Map<string, Figures>): string {
  const rows = ['| Suite | Runs | Detected | Repaired | Lost | Failures | Worst case |', '|---|---:|---:|---:|---:|---:|---|'];
  for (const [key, what] of SUITES) {
    const f = figs.get(key);
    if (!f) rows.push(`| ${esc(what)} | not yet | | | | | |`);
    else {
      const detected = f.detected ?? (f.killedBefore !== undefined ? (f.killedBefore ?? 0) + (f.killedAfter ?? 0) : undefined);
      rows.push(`| ${esc(what)} | ${f.runs} | ${cell(detected)} | ${cell(f.repaired)} | ${f.lost} | ${f.failures} | ${esc(f.worst || '—')} |`);
    }
  }
  return rows.join('\n');
}

/** The counted columns only: what --check compares. */
const counts = (t: string) => t.split('\n').map((r) => r.split('|').slice(1, 7).map((c) => c.trim()).join('|')).join('\n');

function current(): string {
  const text = fs.readFileSync(README, 'utf8');
  const a = text.indexOf(BEGIN), b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no reliability table markers (${BEGIN} … ${END})`);
  return text.slice(a + BEGIN.length, b).trim();
}

const mode = process.argv[2];
const fresh = table(load());
if (mode === '--write') {
  const text = fs.readFileSync(README, 'utf8');
  const a = text.indexOf(BEGIN), b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error('README.md has no reliability table markers');
  fs.writeFileSync(README, `${text.slice(0, a + BEGIN.length)}\n${fresh}\n${text.slice(b)}`);
  console.log(fresh);
} else if (mode === '--check') {
  const ok = counts(current()) === counts(fresh);
  const out = path.join(ROOT, 'test-results', 'reliability-check.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  // in the shape test/summarize.mjs reads (vitest's), so the check counts as one test in the closing line
  fs.writeFileSync(out, JSON.stringify({ numPassedTests: ok ? 1 : 0, numFailedTests: ok ? 0 : 1, numPendingTests: 0, testResults: [] }));
  if (!ok) {
    console.log('README.md\'s reliability table differs from this run\'s figures. This run:\n' + fresh + '\n\nREADME.md:\n' + current());
    console.log('Run `npm run reliability` and commit README.md.');
    process.exit(1);
  }
  console.log('README.md\'s reliability table matches this run\'s figures.');
} else {
  console.log(fresh);
}
