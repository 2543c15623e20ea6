// Which program serves the register on the office network. A register is opened by one process only once it is shared
// (SQLite's WAL does not survive a network share, and a second program would write behind the server's sessions and
// versions): while it is shared, the serving process keeps `<register>-served.json` beside it — pid, computer, the
// address — and every program that opens a register reads it first (db/connection.ts): a live server's marker refuses
// the open, naming the address to connect to instead. A marker whose process is dead (a killed server) is removed.
import fs from 'node:fs';
import os from 'node:os';

export type ServedMarker = { pid: number; host: string; url: string; fingerprint: string; since: string };

export const servedMarkerFile = (register: string) => `${register}-served.json`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

function read(register: string): ServedMarker | null {
  try {
    const m = JSON.parse(fs.readFileSync(servedMarkerFile(register), 'utf8')) as Partial<ServedMarker>;
    if (!Number.isInteger(m.pid) || typeof m.url !== 'string' || typeof m.host !== 'string') return null;
    return { pid: m.pid!, host: m.host, url: m.url.slice(0, 300), fingerprint: String(m.fingerprint ?? '').slice(0, 200), since: String(m.since ?? '') };
  } catch {
    return null;
  }
}

/** Another live process that serves `register` on the network, if any (a dead one's marker is removed). */
export function otherServer(register: string): ServedMarker | null {
  if (!register || register === ':memory:') return null;
  const m = read(register);
  if (!m || (m.pid === process.pid && m.host === os.hostname())) return null;
  if (m.host === os.hostname() && !alive(m.pid)) {
    fs.rmSync(servedMarkerFile(register), { force: true });
    return null;
  }
  return m;
}

/** What a second program says when it finds the register served: who serves it, and where to connect instead. */
export const servedBy = (m: ServedMarker) =>
  `Реестр уже открыт другой программой и открыт для сети: ${m.url} (pid ${m.pid}${m.host !== os.hostname() ? ` на ${m.host}` : ''}). ` +
  `Второй раз файл реестра не открывается — подключитесь к реестру по этому адресу (браузером или «Подключиться к реестру»)` +
  (m.fingerprint ? `; отпечаток сертификата: ${m.fingerprint}` : '');

/** Marks `register` as served by this process at `url`; the returned function removes the mark (if still ours). */
export function markServed(register: string, m: Omit<ServedMarker, 'pid' | 'host'>): () => void {
  if (!register || register === ':memory:') return () => {};
  const file = servedMarkerFile(register);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ pid: process.pid, host: os.hostname(), ...m }), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return () => {
    const now = read(register);
    if (now && now.pid === process.pid && now.host === os.hostname()) fs.rmSync(file, { force: true });
  };
}
