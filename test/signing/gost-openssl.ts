// OpenSSL with the GOST engine, as the referee for our in-process GOST code (issue 14). The engine is loaded through an
// OPENSSL_CONF written into the test's own folder, for the `openssl` command only (never for the test's Node process).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OPENSSL } from './openssl-fixtures.ts';

export type GostOpenssl = {
  dir: string;
  /** runs openssl with the engine; throws with its stderr when it fails */
  run(args: string[], input?: Buffer): Buffer;
  /** runs openssl with the engine and returns what happened, for commands expected to fail */
  spawn(args: string[], input?: Buffer): { status: number; stdout: Buffer; stderr: string };
  file(name: string): string;
  cleanup(): void;
};

/** Where the engine is, or why there is none (then the GOST tests skip with that reason). */
export function findGostEngine(): { path: string } | { missing: string } {
  const v = spawnSync(OPENSSL, ['version', '-e'], { encoding: 'utf8' });
  if (v.status !== 0) return { missing: `no openssl command (${v.error?.message ?? v.stderr})` };
  const dir = /ENGINESDIR: "([^"]+)"/.exec(v.stdout)?.[1];
  if (!dir) return { missing: `openssl ${v.stdout.trim()} names no engines folder` };
  const so = path.join(dir, 'gost.so');
  if (!fs.existsSync(so)) return { missing: `no GOST engine at ${so} (Debian: apt-get install libengine-gost-openssl)` };
  return { path: so };
}

export function gostOpenssl(enginePath: string): GostOpenssl {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-gost-'));
  const conf = path.join(dir, 'openssl-gost.cnf');
  fs.writeFileSync(conf, [
    'openssl_conf = openssl_def',
    '[openssl_def]',
    'engines = engine_section',
    '[engine_section]',
    'gost = gost_section',
    '[gost_section]',
    'engine_id = gost',
    `dynamic_path = ${enginePath}`,
    'default_algorithms = ALL',
    '',
  ].join('\n'));
  const env = { ...process.env, OPENSSL_CONF: conf };
  const spawn = (args: string[], input?: Buffer) => {
    const r = spawnSync(OPENSSL, args, { cwd: dir, env, input, maxBuffer: 64 * 2 ** 20 });
    return { status: r.status ?? -1, stdout: r.stdout ?? Buffer.alloc(0), stderr: r.stderr?.toString('utf8') ?? String(r.error) };
  };
  return {
    dir,
    spawn,
    run(args, input) {
      const r = spawn(args, input);
      if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
      return r.stdout;
    },
    file: (name) => path.join(dir, name),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Whether the engine really works here: a Стрибог digest of nothing through `openssl dgst`. */
export function gostEngineWorks(o: GostOpenssl): string | null {
  const r = o.spawn(['dgst', '-md_gost12_256', '-hex'], Buffer.alloc(0));
  return r.status === 0 ? null : `openssl's GOST engine does not load: ${r.stderr.trim()}`;
}

/** The engine found and working, or the reason the GOST tests skip. */
export function gostReferee(): { openssl: GostOpenssl; skip: null } | { openssl: null; skip: string } {
  const engine = findGostEngine();
  if ('missing' in engine) return { openssl: null, skip: engine.missing };
  const o = gostOpenssl(engine.path);
  const why = gostEngineWorks(o);
  if (why) {
    o.cleanup();
    return { openssl: null, skip: why };
  }
  return { openssl: o, skip: null };
}
