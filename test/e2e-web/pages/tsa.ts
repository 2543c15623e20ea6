// The reference time-stamping service as its own process (`npm run reference-tsa`), as a school would reach a TSA over
// the network: a spec starts it, gives its address and CA to the program, and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO } from '../env';

export class TsaProcess {
  private proc: ChildProcess | null = null;

  /** Starts it on a free port, writing its CA certificate to `caOut`; resolves to its URL. */
  start(caOut: string, args: string[] = []): Promise<string> {
    // its own process group: npm, tsx and the node serving are stopped together
    const proc = spawn('npm', ['run', '--silent', 'reference-tsa', '--', '--port', '0', '--ca-out', caOut, ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'], detached: true });
    this.proc = proc;
    return new Promise((resolve, reject) => {
      let out = '';
      proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /listening on (\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      proc.on('exit', (code) => reject(new Error(`reference TSA exited ${code}`)));
    });
  }

  stop(): void {
    const p = this.proc;
    this.proc = null;
    if (!p?.pid || p.exitCode !== null) return;
    try {
      process.kill(-p.pid, 'SIGTERM');
    } catch {
      p.kill('SIGTERM');
    }
  }
}
