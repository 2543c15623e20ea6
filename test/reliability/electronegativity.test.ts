// Electronegativity (Doyensec's static checker for Electron apps) over the Electron shell: the main process code,
// the preload and the page. It exits 0 whatever it finds, so we read its report and fail on any HIGH or MEDIUM finding.
// A control run over a deliberately unsafe window proves the check can fail.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/register.ts';
import { recordFigures } from './crash.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'node_modules', '.bin', 'electronegativity');

type Finding = { check: string; severity: string; confidence: string; file: string; location: string };

/** Runs electronegativity over a folder and returns its findings, read from its CSV report. */
function scan(input: string): { findings: Finding[]; log: string } {
  const out = path.join(tempDir(), 'report.csv');
  // The Electron version comes from package.json; it also tries to fetch Electron's release list, which fails
  // offline and only costs a timeout.
  const r = spawnSync(BIN, ['-i', input, '-r', '-o', out], { encoding: 'utf8', timeout: 240_000, cwd: ROOT });
  const log = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0 || !fs.existsSync(out)) throw new Error(`electronegativity did not finish (${r.status}):\n${log}`);
  const findings: Finding[] = [];
  for (const line of fs.readFileSync(out, 'utf8').split(/\r?\n/)) {
    const m = /^([A-Z0-9_]+),"(HIGH|MEDIUM|LOW|INFORMATIONAL)","(CERTAIN|FIRM|TENTATIVE)","([^"]*)","([^"]*)"/.exec(line);
    if (m) findings.push({ check: m[1], severity: m[2], confidence: m[3], file: m[4], location: m[5] });
    else if (/^[A-Z0-9_]+_CHECK,/.test(line)) throw new Error(`unreadable report line: ${line}`);
  }
  return { findings, log };
}

/** What the packaged app runs: the shell, the preload and the page, with package.json for the Electron version. */
function shellSources(): string {
  const dir = path.join(tempDir(), 'shell');
  fs.cpSync(path.join(ROOT, 'main', 'electron'), path.join(dir, 'main', 'electron'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'preload'), path.join(dir, 'preload'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'renderer', 'index.html'), path.join(dir, 'index.html'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  return dir;
}

const serious = (f: Finding[]) => f.filter((x) => x.severity === 'HIGH' || x.severity === 'MEDIUM');

describe('electronegativity', () => {
  it('finds nothing HIGH or MEDIUM in the Electron shell', () => {
    const { findings } = scan(shellSources());
    const low = findings.filter((f) => !serious([f]).length);
    if (low.length) console.log('electronegativity, low findings (reviewed):', low);
    const n = (sev: string) => findings.filter((f) => f.severity === sev).length;
    // the row counts what it is about, HIGH and MEDIUM: the LOW CSP note comes and goes between runs of the same
    // sources (seen in CI), so it is listed in the worst-case text, which the README check does not compare
    recordFigures('electronegativity', { suite: 'electronegativity', runs: 1, detected: serious(findings).length, repaired: 0, lost: 0,
      failures: serious(findings).length, worst: `HIGH ${n('HIGH')}, MEDIUM ${n('MEDIUM')}, LOW ${n('LOW')} (${low.map((f) => f.check).join(', ') || 'none'})` });
    expect(serious(findings)).toEqual([]);
  }, 300_000);

  it('control: flags an unsandboxed window with no CSP and no navigation limits', () => {
    const dir = path.join(tempDir(), 'unsafe');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    fs.writeFileSync(path.join(dir, 'main.js'), `const { BrowserWindow } = require('electron');
const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });
w.loadURL('https://example.com');\n`);
    const { findings } = scan(dir);
    // Not CSP_GLOBAL_CHECK: electronegativity emits it in some runs of the same sources and not in others (seen in CI
    // under load, for this control and for the shell alike). The CSP itself is asserted by test/electron/security.test.ts
    // and by every e2e page (no CSP violation in the console).
    expect(serious(findings).map((f) => f.check)).toEqual(expect.arrayContaining([
      'SANDBOX_JS_CHECK', 'CONTEXT_ISOLATION_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK', 'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK',
    ]));
  }, 300_000);
});
