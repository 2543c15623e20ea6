// Which program holds the register, for the other programs on the same computer. The jobs registry (jobs.ts) lives in
// one process: a command line started while the app runs a year close, an import or a restore cannot see it there, and
// SQLite only says "busy" (or, to a reader that then writes, that the data moved under it). So while a job that writes
// runs, its process keeps a small file beside the register — `<register>-busy.json`: pid, the job's name, when it
// started — and removes it when the job ends. Another process reads it before it writes: it names the holder, waits for
// it within its bound, then refuses as bad input. A marker whose pid is dead (a killed program) is ignored and removed.
import fs from 'node:fs';
import os from 'node:os';
import { AppError } from './errors.ts';

export type BusyMarker = { pid: number; job: string; startedAt: string; host: string };

export const markerFile = (register: string) => `${register}-busy.json`;

/** How the jobs that write are named to another program (a job's own label first: an import names its file). */
const JOB_NAMES: Record<string, string> = {
  'backup.start': 'резервное копирование', 'backup.verify': 'проверка копий', 'backup.restore': 'восстановление из копии',
  'backup.restoreOpen': 'восстановление открытого реестра', 'demo.generate': 'заполнение демонстрационной школой',
  'ledgers.closeYear': 'закрытие учебного года', 'packets.upload': 'отправка пакетов', 'packets.compactChanges': 'сжатие журнала изменений',
  'import.commitStart': 'импорт из журнала',
};
export const jobName = (method: string, label?: string) => label ?? JOB_NAMES[method] ?? method;

/** The jobs of this process that hold each register: the marker goes when the last of them ends. */
const held = new Map<string, Array<{ job: string; startedAt: string }>>();

function write(register: string, m: BusyMarker): void {
  const file = markerFile(register);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(m), { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    // a marker is a courtesy to other programs: a read-only folder or a full disk must not fail the job
    fs.rmSync(tmp, { force: true });
  }
}

/** Marks `register` as held by this process's `job` until the returned function is called. */
export function holdRegister(register: string, job: string): () => void {
  if (!register || register === ':memory:') return () => {};
  const mine = held.get(register) ?? [];
  const entry = { job, startedAt: new Date().toISOString() };
  held.set(register, [...mine, entry]);
  write(register, { pid: process.pid, job, startedAt: entry.startedAt, host: os.hostname() });
  let done = false;
  return () => {
    if (done) return;
    done = true;
    const left = (held.get(register) ?? []).filter((e) => e !== entry);
    if (left.length) {
      held.set(register, left);
      write(register, { pid: process.pid, job: left[0].job, startedAt: left[0].startedAt, host: os.hostname() });
      return;
    }
    held.delete(register);
    // removed only while it is still ours: another program may have taken the register since
    if (readMarker(register)?.pid === process.pid) fs.rmSync(markerFile(register), { force: true });
  };
}

function readMarker(register: string): BusyMarker | null {
  try {
    const m = JSON.parse(fs.readFileSync(markerFile(register), 'utf8')) as Partial<BusyMarker>;
    if (!Number.isInteger(m.pid) || typeof m.job !== 'string' || typeof m.startedAt !== 'string') return null;
    return { pid: m.pid!, job: m.job.slice(0, 200), startedAt: m.startedAt, host: typeof m.host === 'string' ? m.host : '' };
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // another user's process: alive
  }
}

/** Another live program's job on `register`, if any. A marker of a dead process on this computer is removed. */
export function otherHolder(register: string): BusyMarker | null {
  if (!register || register === ':memory:') return null;
  const m = readMarker(register);
  if (!m || m.pid === process.pid && m.host === os.hostname()) return null;
  if (m.host === os.hostname() && !alive(m.pid)) {
    // its program was killed mid-job: the marker says nothing any more (removed only if no one replaced it meanwhile)
    if (readMarker(register)?.startedAt === m.startedAt) fs.rmSync(markerFile(register), { force: true });
    return null;
  }
  return m;
}

const hhmm = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
};
const seconds = (ms: number) => `${Math.round(ms / 100) / 10} с`.replace('.', ',');

/** «Реестр занят другой программой: идёт «…» (pid …) с HH:MM» */
export const heldBy = (m: BusyMarker) => `Реестр занят другой программой: идёт «${m.job}» (pid ${m.pid}${m.host && m.host !== os.hostname() ? ` на ${m.host}` : ''}) с ${hhmm(m.startedAt)}`;

/**
 * Waits while another program's job holds `register`, at most `boundMs`; `onWaiting` hears once what is waited for.
 * Past the bound: a conflict (bad input: exit 1 on the command line) naming the holder and the wait; nothing written.
 */
export async function waitForOtherProgram(register: string, boundMs: number, onWaiting?: (message: string) => void): Promise<void> {
  let m = otherHolder(register);
  if (!m) return;
  onWaiting?.(`${heldBy(m)}; ждём до ${seconds(boundMs)}`);
  const until = Date.now() + boundMs;
  while (m && Date.now() < until) {
    await new Promise((r) => setTimeout(r, Math.min(200, Math.max(1, until - Date.now()))));
    m = otherHolder(register) ?? null;
  }
  if (m) {
    throw new AppError('conflict', `${heldBy(m)}; ждали ${seconds(boundMs)}. Ничего не записано — повторите, когда она закончит`);
  }
}
