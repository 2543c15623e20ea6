// The journal import as the UI sees it: the workbook arrives as bytes, is written to a temp file and read from there;
// the preview is shaped for a screen (layout per sheet, counts, every rejected cell, a token), and the commit writes
// the rows, the audit entry and the remembered column mapping in one transaction. Both run as jobs for the UI
// (progress, cancel): a cancelled commit stops before its one transaction, so it writes nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import type { DB } from '../../db/connection.ts';
import { IMPORT_MAX_BYTES, type ApiErrorRow, type ErrorCode, type ImportChange, type Input, type Output, type User } from '../../preload/contract.ts';
import { AppError } from '../shared/errors.ts';
import { appendAudit } from '../audit/log.ts';
import { CancelledError, type Jobs, type Progress } from '../shared/jobs.ts';
import { startImportWorker } from './import-worker-entry.ts';
import type { ImportWorkerData, ImportWorkerMessage } from './import-worker-messages.ts';
import type { JobSpec } from '../shared/handler.ts';
import { STUDENT_FIELDS, fieldLabel, normalizeHeader, parseMarkField, type ColumnMapping, type SheetLayout } from './read.ts';
import { applyStudentsImport, describeStudentChanges, excludeStudentRows, previewStudentsImport, type StudentsImportPreview } from './students-import.ts';
import { applyMarksImport, describeChanges, excludeChanges, hasWrites, previewMarksImport, type MarksImportPreview } from './marks-import.ts';
import { importChangesWorkbook } from './lists.ts';
import { enrol } from '../movement/orders.ts';
import { searchKey } from '../../preload/core/names.ts';

type Args = Input<'import.preview'>;
type Read = { kind: 'students'; p: StudentsImportPreview } | { kind: 'marks'; p: MarksImportPreview };

/** The source a saved mapping belongs to: the journal's file name without extension, normalized. */
export const sourceOf = (fileName: string) => normalizeHeader(path.basename(fileName).replace(/\.xlsx$/i, ''));

// The per-sheet corrections ride in the stored mapping under a key no field has (fields are names, mark:… and att:…).
const SHEETS_KEY = '@sheets';
type Saved = { mapping: ColumnMapping; sheetMappings: Record<string, ColumnMapping>; subjectMapping: Record<string, number> };
function savedMapping(db: DB, kind: string, fileName: string): Saved | null {
  const r = db.prepare('SELECT mapping, subject_mapping FROM import_mappings WHERE kind = ? AND source = ?').get(kind, sourceOf(fileName)) as
    { mapping: string; subject_mapping: string } | undefined;
  if (!r) return null;
  const { [SHEETS_KEY]: sheets, ...mapping } = JSON.parse(r.mapping) as ColumnMapping & { [SHEETS_KEY]?: Record<string, ColumnMapping> };
  return { mapping, sheetMappings: sheets ?? {}, subjectMapping: JSON.parse(r.subject_mapping) };
}
const corrected = (a: Args) => !!(a.mapping || a.sheetMappings || a.subjectMapping);

/** The bytes into a temp file named as the clerk's file (so refusals name it), read, and the folder removed. */
async function readUpload(db: DB, a: Args, progress?: Progress, fingerprint = true): Promise<Read & { saved: boolean }> {
  const bytes = Buffer.from(a.dataBase64, 'base64');
  if (bytes.length > IMPORT_MAX_BYTES) throw new AppError('validation', `${a.fileName}: файл больше 15 МБ`, { dataBase64: 'файл больше 15 МБ' });
  const saved = corrected(a) ? null : savedMapping(db, a.kind, a.fileName);
  const mapping = a.mapping ?? saved?.mapping;
  const sheetMappings = a.sheetMappings ?? saved?.sheetMappings;
  const subjectMapping = a.subjectMapping ?? saved?.subjectMapping;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-import-'));
  try {
    const file = path.join(dir, path.basename(a.fileName).replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_') || 'journal.xlsx');
    fs.writeFileSync(file, bytes);
    const r: Read = a.kind === 'students'
      ? { kind: 'students', p: await previewStudentsImport(db, file, { mapping, sheetMappings, progress }) }
      : { kind: 'marks', p: await previewMarksImport(db, file, { mapping, sheetMappings, subjectMapping, year: a.year, progress, fingerprint }) };
    return { ...r, saved: !!saved };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The preview for a screen. */
function shape(db: DB, a: Args, r: Read & { saved: boolean }): Output<'import.preview'> {
  const layouts: SheetLayout[] = r.p.layouts;
  const markFields = new Set(layouts.flatMap((l) => [...Object.keys(l.detected), ...Object.keys(l.mapping)]).filter((f) => f.startsWith('mark:') || f.startsWith('att:')));
  const known = new Set((db.prepare('SELECT name, short_name FROM subjects').all() as Array<{ name: string; short_name: string | null }>)
    .flatMap((s) => [s.name, s.short_name ?? '']).filter(Boolean).map(normalizeHeader));
  const unknownSubjects = [...new Set([...markFields].flatMap((f) => parseMarkField(f)?.subject || []))].filter((s) => !known.has(normalizeHeader(s)));
  const counts = r.kind === 'students'
    ? { added: r.p.added.length, changed: r.p.changed.length, unchanged: r.p.unchanged }
    : { added: r.p.added, changed: r.p.changed, unchanged: r.p.unchanged };
  return {
    kind: a.kind, fileName: a.fileName, year: r.kind === 'marks' ? r.p.year.name : null, savedMapping: r.saved,
    sheets: layouts.map((l) => ({ sheet: l.sheet, headerRow: l.headerRow, mapping: l.mapping, headers: l.headers, unmapped: l.unmapped })),
    skippedSheets: r.p.skippedSheets,
    fields: [...STUDENT_FIELDS, ...markFields].map((field) => ({ field, label: fieldLabel(field) })),
    unknownSubjects,
    counts,
    attendance: r.kind === 'marks' && r.p.attendance ? { added: r.p.attendance.added, changed: r.p.attendance.changed, unchanged: r.p.attendance.unchanged } : null,
    rejected: r.p.rejected.map((x) => ({ sheet: x.sheet, row: x.row, column: x.column, reason: x.reason })),
    token: r.p.token,
    ...(r.kind === 'students' && r.p.notes.length ? { notes: r.p.notes } : {}),
    changeCount: r.kind === 'marks' ? r.p.writes.length + (r.p.attendance?.writes.length ?? 0) : r.p.added.length + r.p.changed.length,
  };
}

export async function previewImport(db: DB, a: Args, progress?: Progress): Promise<Output<'import.preview'>> {
  return shape(db, a, await readUpload(db, a, progress));
}

/** The preview as a job: progress while the file is read and checked, cancellable; the shaped preview is its result. */
export function previewJob(db: DB, a: Args): JobSpec<Output<'import.preview'>> {
  return {
    jobKind: 'import.preview', keepMs: KEEP_MS, privateResult: true,
    work: async (p, id) => {
      const r = await readUpload(db, a, p);
      // this job runs on the backend's thread: a turn of the event loop between its last long steps (100,000 changes
      // named, then the preview shaped), so other users' calls are answered between them, not after all of them
      await turn();
      // kept beside the job, as long as the job is: a screen pages through them, the job's result stays small
      changeLists.set(id, r.kind === 'marks' ? describeChanges(db, r.p) : describeStudentChanges(r.p));
      setTimeout(() => changeLists.delete(id), KEEP_MS).unref();
      await turn();
      return shape(db, a, r);
    },
  };
}
/** The changes of each marks preview job, by job id: ImportChange is what import.previewChanges shows. */
const changeLists = new Map<string, ImportChange[]>();

type Preview = Output<'import.preview'>;
/** A finished preview job's result, for its starter. */
export function previewResult(jobs: Jobs, user: User | null, jobId: string): Preview {
  return jobs.outcome(jobId, 'import.preview', user) as Preview;
}

/** The changes of a finished preview job that the filter keeps: by part of the ФИО (ё = е), subject, kind. */
function filteredChanges(jobs: Jobs, user: User | null, f: Input<'import.previewChangesXlsx'>) {
  const p = jobs.outcome(f.jobId, 'import.preview', user) as Preview; // its starter's only, once it is done
  const all = changeLists.get(f.jobId) ?? [];
  const who = f.student ? searchKey(f.student) : '';
  const rows = all.filter((c) => (!who || searchKey(c.student).includes(who)) && (!f.subject || c.subject === f.subject) && (!f.kind || c.kind === f.kind));
  return { p, all, rows };
}

export function previewChanges(jobs: Jobs, user: User | null, f: Input<'import.previewChanges'>): Output<'import.previewChanges'> {
  const { all, rows } = filteredChanges(jobs, user, f);
  const attendance = all.filter((c) => c.what === 'attendance').length;
  return { total: all.length, matching: rows.length, subjects: [...new Set(all.map((c) => c.subject))].sort((a, b) => a.localeCompare(b, 'ru')),
    rows: rows.slice(f.offset ?? 0, (f.offset ?? 0) + (f.limit ?? 50)), ...(attendance ? { attendance } : {}) };
}

export async function previewChangesXlsx(jobs: Jobs, user: User | null, f: Input<'import.previewChangesXlsx'>): Promise<Output<'import.previewChangesXlsx'>> {
  const { p, rows } = filteredChanges(jobs, user, f);
  const w = await importChangesWorkbook(p.fileName, rows, p.kind);
  return { fileName: w.fileName, dataBase64: w.bytes.toString('base64'), rows: rows.length };
}

/**
 * The commit as a job. It holds the register (other writes wait) from the start, so what it reads is what it writes
 * over; cancelled while reading, or before its one transaction, it writes nothing.
 */
export function commitJob(db: DB, jobs: Jobs, user: User, a: Input<'import.commit'>): JobSpec<Output<'import.commit'>> {
  // on a register file, in a thread of its own (issues 18, 19): reading 100,000 cells and writing them in one
  // transaction held the backend's thread, and every other user's call with it, for up to a second under load. Not for
  // a process that answers no one else (the command line): there the thread's start would only add to the import.
  const work = (p: Progress) => onFile(db) && !jobs.opts.oneCaller ? commitInWorker(db, user, a, p) : commitImport(db, jobs, user, a, p);
  return { jobKind: 'import.commit', work, label: `импорт из журнала ${a.fileName}`, keepMs: KEEP_MS, privateResult: true };
}
/** A connection a second one can open: a file, not an in-memory register (tests), and not turned off for a run. */
const onFile = (db: DB) => !!db.name && db.name !== ':memory:' && !db.memory && process.env.SCHOOL_REGISTER_IMPORT_IN_THREAD !== '1';

/**
 * commitImport run by a worker thread on its own connection (import-worker.ts), for the job that holds the register:
 * progress relayed, a cancel handed on through a shared flag. A thread that ends without an answer (killed, out of
 * memory) has written nothing unless its transaction committed — which the audit log tells: the import's entry is
 * written in that transaction, so an entry after the head seen at the start is the proof, and its absence too.
 */
export function commitInWorker(db: DB, user: User, a: Input<'import.commit'>, progress: Progress, test?: { exitBeforeCommit?: boolean }): Promise<Output<'import.commit'>> {
  const auditHead = (db.prepare('SELECT coalesce(max(id), 0) FROM audit_log').pluck().get() as number);
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  // the worker waits for another program as long as this connection would (the CLI's SCHOOL_REGISTER_BUSY_WAIT), and says so
  const busyTimeoutMs = db.pragma('busy_timeout', { simple: true }) as number;
  const data: ImportWorkerData = { file: db.name, user, args: a, cancel, busyTimeoutMs, ...(test?.exitBeforeCommit ? { exitBeforeCommit: true } : {}) };
  const worker = startImportWorker({ workerData: data });
  return new Promise<Output<'import.commit'>>((resolve, reject) => {
    let answered = false;
    const watch = setInterval(() => { if (progress.cancelled) Atomics.store(cancel, 0, 1); }, 25);
    worker.on('message', (m: ImportWorkerMessage) => {
      if ('progress' in m) return progress.report(...m.progress);
      answered = true;
      if (m.ok) resolve(m.value as Output<'import.commit'>);
      else reject(m.cancelled ? new CancelledError() : new AppError(m.error.code as ErrorCode, m.error.message, m.error.fields, m.error.rows as ApiErrorRow[] | undefined));
    });
    worker.on('error', (e) => { answered = true; reject(e); });
    worker.on('exit', (code) => {
      clearInterval(watch);
      if (answered) return;
      const written = db.prepare(`SELECT count(*) FROM audit_log WHERE id > ? AND method = ? AND login = ?`).pluck().get(auditHead, `import.${a.kind}`, user.login) as number;
      reject(new AppError('internal', written
        ? `Импорт из ${a.fileName} записан, но поток импорта остановился, не ответив (код ${code}): проверьте журнал аудита`
        : `Импорт из ${a.fileName} прерван: поток импорта остановился (код ${code}); ничего не записано`));
    });
  });
}
/** A finished import job is kept this long for its outcome to be fetched, then forgotten with its preview. */
const KEEP_MS = 30 * 60_000;

/**
 * Reads and previews the file again (async), then, synchronously, checks the token and writes the rows, the audit
 * entry and the remembered mapping in one transaction. The same file again writes nothing and audits nothing.
 * Without a token (the CLI, which shows nothing in between) it commits what the file says now, read once.
 */
export async function commitImport(db: DB, jobs: Jobs, user: User, a: Input<'import.commit'>, progress?: Progress,
  hooks?: { /** tests only (import-worker.ts): runs inside the transaction, after the rows and the audit entry */ inTransaction?: () => void }): Promise<Output<'import.commit'>> {
  const read = await readUpload(db, a, progress, a.token !== undefined);
  if (a.token !== undefined && read.p.token !== a.token) throw new AppError('conflict', 'Файл или реестр изменились после предпросмотра: посмотрите предпросмотр ещё раз');
  if (a.enrolment && read.kind !== 'students') throw new AppError('validation', 'Зачислять по приказу можно только при импорте учеников', { enrolment: 'только для учеников' });
  // the changes (marks: cells; students: rows) the clerk left out of the preview: the commit writes exactly the rest
  let r: typeof read, excluded: number;
  if (read.kind === 'marks') {
    const cut = excludeChanges(read.p, a.exclude ?? []);
    r = { ...read, p: cut.p };
    excluded = cut.excluded;
  } else {
    const cut = excludeStudentRows(read.p, a.exclude ?? []);
    r = { ...read, p: cut.p };
    excluded = cut.excluded;
  }
  const rejected = r.p.rejected;
  if (rejected.length && !a.allowRejected) {
    const x = rejected[0];
    // the message names the first cell; `rows` carries every one, for a caller that lists them (the CLI)
    throw new AppError('validation', `Отклонено ячеек: ${rejected.length}; ничего не записано. Первая: лист «${x.sheet}», строка ${x.row}` +
      `${x.column ? `, столбец ${x.column}` : ''}: ${x.reason}`, undefined, rejected.map((c) => ({ sheet: c.sheet, row: c.row, column: c.column, reason: c.reason })));
  }
  // inside its own job the commit holds the register itself; a direct call waits for no one and yields to a running job
  if (jobs.exclusive && !progress) throw new AppError('conflict', `Реестр занят: идёт «${jobs.exclusive}». Повторите позже.`);
  const nothing = r.kind === 'students' ? !r.p.added.length && !r.p.changed.length : !hasWrites(r.p);
  const rejectedRows = new Set(rejected.map((x) => `${x.sheet}\u0000${x.row}`)).size;
  if (nothing) {
    return { added: 0, changed: 0, unchanged: r.p.unchanged, rejected: r.kind === 'students' ? rejectedRows : rejected.length, written: false, ...(excluded ? { excluded } : {}),
      ...(r.kind === 'marks' && r.p.attendance ? { attendance: { added: 0, changed: 0, unchanged: r.p.attendance.unchanged } } : {}) };
  }
  const method = `import.${a.kind}`;
  const args = { fileName: a.fileName, mapping: a.mapping ?? null, sheetMappings: a.sheetMappings ?? null, subjectMapping: a.subjectMapping ?? null,
    year: r.kind === 'marks' ? r.p.year.name : null, ...(excluded ? { excluded } : {}), ...(a.enrolment ? { enrolment: a.enrolment } : {}) };
  const remember = () => {
    if (!corrected(a)) return;
    const stored = { ...a.mapping, ...(a.sheetMappings ? { [SHEETS_KEY]: a.sheetMappings } : {}) };
    db.prepare(`INSERT INTO import_mappings (kind, source, mapping, subject_mapping, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (kind, source) DO UPDATE SET mapping = excluded.mapping, subject_mapping = excluded.subject_mapping, updated_at = excluded.updated_at`)
      .run(a.kind, sourceOf(a.fileName), JSON.stringify(stored), JSON.stringify(a.subjectMapping ?? {}), new Date().toISOString());
  };
  progress?.throwIfCancelled(); // the last moment a cancel is heard: the transaction below runs to its end
  const out = db.transaction(() => {
    if (r.kind === 'students') {
      let enrolled = 0;
      const enrolment = a.enrolment;
      const res = applyStudentsImport(db, r.p, (res) => appendAudit(db, user.login, method, { args,
        result: { ...res, ...(excluded ? { excluded } : {}), ...(enrolment ? { enrolled: res.added } : {}) } }),
        enrolment ? (studentId) => { enrol(db, { ...enrolment, studentId }); enrolled++; } : undefined);
      remember();
      hooks?.inTransaction?.();
      return { added: res.added, changed: res.changed, unchanged: res.unchanged, rejected: res.rejectedRows, written: true,
        ...(excluded ? { excluded } : {}), ...(enrolment ? { enrolled } : {}) };
    }
    const res = applyMarksImport(db, r.p, (res) => appendAudit(db, user.login, method, { args, result: excluded ? { ...res, excluded } : res }));
    remember();
    hooks?.inTransaction?.();
    return { added: res.added, changed: res.changed, unchanged: res.unchanged, rejected: res.rejectedCells, written: true, ...(excluded ? { excluded } : {}),
      ...(res.attendance ? { attendance: res.attendance } : {}) };
  }).immediate();
  return out;
}
