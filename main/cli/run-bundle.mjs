// Runs a CommonJS bundle of out/cli (the CLI, the browser shell's server) as `require` would, with V8's code cache:
// compiling the 3 MB bundle took ~0.1 s of every start (issue 19: the CLI answers `years list` in < 300 ms). Node 20
// has no module.enableCompileCache (Node 22), so the cache is made here with vm.Script's cachedData, the way Node's own
// compile cache works:
//  - kept per user, in a folder only that user can open (XDG cache / %LOCALAPPDATA%; 0700, 0600 files): a cache is
//    code, and one another user could write would run as this one — a folder shared or not owned is not used;
//  - named by the SHA-256 of the bundle's text and node's version and architecture, so a changed bundle or node never
//    meets an old cache (V8 also refuses one made for another source or V8 itself, and then it is made again);
//  - written at exit or 3 s in (with the functions the run compiled, not only the top level), atomically, older
//    ones removed;
//  - any failure of the cache is ignored: the bundle runs compiled from its text, as before.
// SCHOOL_REGISTER_COMPILE_CACHE=0 turns it off.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { Module, createRequire } from 'node:module';

/** The user's private cache folder for the bundles' code cache, created if missing; null where none can be trusted. */
function cacheDir() {
  if (process.env.SCHOOL_REGISTER_COMPILE_CACHE === '0') return null;
  try {
    const base = process.platform === 'win32'
      ? process.env.LOCALAPPDATA && path.join(process.env.LOCALAPPDATA, 'school-register', 'Cache')
      : path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'school-register');
    if (!base) return null;
    fs.mkdirSync(base, { recursive: true, mode: 0o700 });
    if (process.platform !== 'win32') {
      const st = fs.statSync(base);
      // only a folder of this user that no one else can write into
      if (!st.isDirectory() || st.uid !== process.getuid() || (st.mode & 0o022) !== 0) return null;
    }
    return base;
  } catch {
    return null;
  }
}

/** Runs `file` (a CommonJS bundle) as its own module; returns its exports. */
export function runBundle(file) {
  const source = fs.readFileSync(file, 'utf8');
  const dir = cacheDir();
  const name = path.basename(file, '.cjs');
  const key = crypto.createHash('sha256').update(source).update(`\0${process.version}\0${process.arch}`).digest('hex').slice(0, 32);
  const cacheFile = dir && path.join(dir, `${name}-${key}.v8`);
  let cachedData;
  try {
    if (cacheFile) cachedData = fs.readFileSync(cacheFile);
  } catch {
    // none yet
  }
  // the wrapper on a line of its own: line numbers in stack traces stay the bundle's own
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {\n${source}\n})`, {
    filename: file, lineOffset: -1, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  if (cacheFile && (!cachedData || script.cachedDataRejected)) {
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600, flag: 'wx' });
        fs.renameSync(tmp, cacheFile);
        for (const f of fs.readdirSync(dir)) {
          if (f.startsWith(`${name}-`) && f.endsWith('.v8') && path.join(dir, f) !== cacheFile) fs.rmSync(path.join(dir, f), { force: true });
        }
      } catch {
        // a cache not written is made again next time
      }
    };
    // at exit (a command), or a few seconds in (a server, which may be stopped by a signal)
    process.once('exit', write);
    setTimeout(write, 3000).unref();
  }
  const m = new Module(file, null);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  script.runInThisContext().call(m.exports, m.exports, createRequire(file), m, file, path.dirname(file));
  m.loaded = true;
  return m.exports;
}
