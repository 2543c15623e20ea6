// The reference receiver of the regional segment as its own process (`npm run regional-segment`), as an admin's
// school would meet it over the network: the packets specs start it with their certificates and faults.
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO } from '../env';

export class ReceiverProcess {
  private proc: ChildProcess | null = null;

  /** Starts the receiver on a free port with these arguments (--data, --trust, --faults, TLS…); resolves to its URL. */
  start(args: string[]): Promise<string> {
    // its own process group: npm, tsx and the node serving are stopped together
    const proc = spawn('npm', ['run', '--silent', 'regional-segment', '--', '--port', '0', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    this.proc = proc;
    return new Promise((resolve, reject) => {
      let out = '';
      proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /listening on (\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      proc.on('exit', (code) => reject(new Error(`receiver exited ${code}`)));
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
