// The grade grid of one class and subject: students down, periods + annual (+ exam) + final across.
// Keyboard first: arrows move, a key types a mark, Enter writes it and moves down, Delete clears, Esc drops the
// typing, Ctrl+Z undoes the last change, Ctrl+V pastes a block copied from Excel (tabs and new lines) in one call.
// A refused write changes nothing and the backend's reason is shown at the cell and in a bar fixed at the window's
// bottom (in sight on a 1366×768 screen); Esc drops the typing and puts the cell's value back, the message stays until
// closed. A sealed class's grid is read-only and says so; a student who left the class is marked, and the columns of
// periods after he left take no marks (the backend refuses them too, migration 0013). A mark a pupil got in another
// class before his transfer is marked as that class's, and read-only when that class's ledger is sealed.
import { useEffect, useMemo, useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import type { GradeGrid as Grid, GridColumn, MarkCell } from '../../../../preload/contract';
import { COUNTED_MARKS, normalizeMark } from '../../../../preload/core/marks';
import { formatDate, formatLocalDate } from '../../../../preload/core/dates';
import { asFailure, call } from '../../api';
import { useCan } from '../../app/user';
import { t } from '../../strings';
import { Notice } from '../../ui/common';

type Pos = { row: number; col: number };
type Change = Array<{ row: number; col: number; before: string | null; after: string | null }>;

/** One key, one mark: by the letter on the key, whatever the keyboard layout (ЙЦУКЕН positions). */
const SHORT_KEYS: Record<string, string> = { 'з': 'зч', 'н': 'нз', 'о': 'осв', 'а': 'н/а' };
const SHORT_CODES: Record<string, string> = { KeyP: 'зч', KeyY: 'нз', KeyJ: 'осв', KeyF: 'н/а' };

const cellKey = (studentId: string, column: string) => `${studentId}|${column}`;

function columnTitle(c: GridColumn): { short: string; long: string } {
  if (c.slot === 'period') return { short: `${c.number} ${t.grades.period[c.kind!]}`, long: `${c.number} ${t.grades.periodTitle[c.kind!]}` };
  if (c.slot === 'annual') return { short: t.grades.annual, long: t.grades.annualTitle };
  if (c.slot === 'exam') return { short: t.grades.exam, long: t.grades.examTitle };
  return { short: t.grades.final, long: t.grades.finalTitle };
}

/** `onWrite`: called as a write starts (the change counter it moves is this grid's own, not another workplace's). */
export function GradeGrid({ grid, reload, onWrite }: { grid: Grid; reload: () => void; onWrite?: () => void }) {
  const canWrite = useCan('grades.set');
  const sealed = grid.sealed;
  const readOnly = !canWrite || !!sealed;
  const subject = grid.subjects[0];
  const columns = useMemo(() => grid.columns.filter((c) => c.slot !== 'exam' || subject.hasExam), [grid.columns, subject.hasExam]);
  const students = grid.students;
  const fromGrid = useMemo(() => new Map(grid.marks.filter((m) => m.subjectId === subject.id).map((m) => [cellKey(m.studentId, m.column), m.mark as string])), [grid.marks, subject.id]);
  // The truth lives in refs so that keys typed while a write is in flight are handled in order, not dropped.
  const [, setTick] = useState(0);
  const rerender = () => setTick((n) => n + 1);
  const marks = useRef(fromGrid);
  useEffect(() => { marks.current = fromGrid; rerender(); }, [fromGrid]);
  const pos = useRef<Pos>({ row: 0, col: 0 });
  const draft = useRef<string | null>(null);
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<{ message: string; cells: Map<string, string> } | null>(null);
  const undo = useRef<Change[]>([]);
  const box = useRef<HTMLDivElement>(null);

  const afterDeparture = useMemo(() => new Set(grid.afterDeparture.filter((m) => m.subjectId === subject.id).map((m) => cellKey(m.studentId, m.column))),
    [grid.afterDeparture, subject.id]);
  const closedAt = (row: number, col: number) => students[row].closedColumns.includes(columns[col].key);
  // marks kept in another class of the year (before a transfer); read-only here when that class's ledger is sealed
  const elsewhere = useMemo(() => new Map((grid.elsewhere ?? []).filter((m) => m.subjectId === subject.id).map((m) => [cellKey(m.studentId, m.column), m])),
    [grid.elsewhere, subject.id]);
  const lockedAt = (row: number, col: number) => elsewhere.get(cellKey(students[row].id, columns[col].key))?.sealed === true;
  const lockedWhy = (row: number, col: number) => t.gridLocks.elsewhereSealedCell(elsewhere.get(cellKey(students[row].id, columns[col].key))!.className);
  const markAt = (row: number, col: number) => marks.current.get(cellKey(students[row].id, columns[col].key)) ?? null;
  /** `was`: the mark the clerk sees there now; the backend refuses the cell if another workplace changed it meanwhile. */
  const toCell = (row: number, col: number, mark: string | null): MarkCell => {
    const c = columns[col];
    return { studentId: students[row].id, subjectId: subject.id, slot: c.slot, periodId: c.periodId, mark, was: markAt(row, col) };
  };
  const setDraft = (d: string | null) => { draft.current = d; rerender(); };

  /** Writes cells in one call; on success remembers the change for Ctrl+Z (unless it is the undo itself). */
  async function write(cells: Array<{ row: number; col: number; mark: string | null }>, remember = true): Promise<boolean> {
    if (readOnly || !cells.length) return false;
    setBusy(true);
    setStatus(t.grades.saving);
    const change: Change = cells.map((c) => ({ row: c.row, col: c.col, before: markAt(c.row, c.col), after: c.mark }));
    try {
      onWrite?.();
      await call('grades.set', { classId: grid.classId, cells: cells.map((c) => toCell(c.row, c.col, c.mark)) });
      const next = new Map(marks.current);
      // Until the grid reloads, show the mark as the backend wrote it: the same reading of a journal's spelling.
      for (const c of cells) {
        const k = cellKey(students[c.row].id, columns[c.col].key);
        const m = normalizeMark(c.mark);
        if (m == null) next.delete(k); else next.set(k, m);
      }
      marks.current = next;
      if (remember) undo.current.push(change);
      setError(null);
      setStatus(t.grades.saved(cells.length));
      reload();
      return true;
    } catch (e) {
      const f = asFailure(e);
      const refused = new Map<string, string>();
      for (const [field, why] of Object.entries(f.fields)) {
        const i = Number(/^cells\.(\d+)$/.exec(field)?.[1]);
        if (Number.isInteger(i) && cells[i]) refused.set(`${cells[i].row}:${cells[i].col}`, why);
      }
      setError({ message: f.message, cells: refused });
      setStatus(t.grades.refused);
      // changed on another workplace: drop the typing and show what the register holds now (the message and the
      // refused cells stay, naming the mark there and who put it)
      if (f.code === 'conflict' && f.rows.some((r) => 'was' in r)) { draft.current = null; reload(); }
      return false;
    } finally {
      setBusy(false);
      rerender();
    }
  }

  const move = (row: number, col: number) => {
    pos.current = { row: Math.max(0, Math.min(students.length - 1, row)), col: Math.max(0, Math.min(columns.length - 1, col)) };
    rerender();
  };

  async function commitDraft(): Promise<boolean> {
    if (draft.current === null) return true;
    const ok = await write([{ row: pos.current.row, col: pos.current.col, mark: draft.current }]);
    if (ok) setDraft(null);
    return ok;
  }

  const ARROWS: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  const isUndo = (k: { key: string; code: string; ctrl: boolean }) => k.ctrl && (k.key === 'z' || k.key === 'я' || k.code === 'KeyZ');
  const shortMark = (key: string, code: string) => SHORT_KEYS[key.toLocaleLowerCase('ru-RU')] ?? (/^[a-z]$/i.test(key) ? SHORT_CODES[code] : undefined);

  /** Handles one key in turn (keys are queued behind any write in flight). */
  async function handleKey(k: { key: string; code: string; ctrl: boolean }) {
    const { row, col } = pos.current;
    if (isUndo(k)) {
      const last = undo.current.pop();
      if (!last) { setStatus(t.grades.nothingToUndo); return; }
      if (await write(last.map((c) => ({ row: c.row, col: c.col, mark: c.before })), false)) setStatus(t.grades.undone);
      else undo.current.push(last);
      return;
    }
    if (k.key in ARROWS) {
      const [dr, dc] = ARROWS[k.key];
      if (await commitDraft()) move(row + dr, col + dc);
      return;
    }
    if (k.key === 'Enter') {
      if (await commitDraft()) move(row + 1, col);
      return;
    }
    // Esc puts the cell's value back; a refusal's message stays until closed (it may name other cells too)
    if (k.key === 'Escape') { setDraft(null); if (error) setStatus(t.gridLocks.escKept); return; }
    if (sealed) { setStatus(t.gridLocks.sealedCell); return; }
    if (lockedAt(row, col)) { setStatus(lockedWhy(row, col)); return; }
    if (k.key === 'Delete') {
      setDraft(null);
      if (markAt(row, col) !== null) await write([{ row, col, mark: null }]);
      return;
    }
    if (closedAt(row, col)) { setStatus(t.gridLocks.closedCell(formatDate(students[row].leftOn))); return; }
    if (k.key === 'Backspace') { setDraft(draft.current === null ? '' : draft.current.slice(0, -1)); return; }
    const short = shortMark(k.key, k.code);
    if (short) { setDraft(short); return; }
    const d = draft.current;
    setDraft(d === null || /^\D/.test(d) ? k.key : d + k.key);
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (!students.length) return;
    const k = { key: e.key, code: e.code, ctrl: e.ctrlKey || e.metaKey };
    const handled = isUndo(k) || (!k.ctrl && !e.altKey && (k.key in ARROWS || ['Enter', 'Delete', 'Backspace'].includes(k.key)
      || (k.key === 'Escape' && draft.current !== null) || (canWrite && k.key.length === 1 && k.key !== ' ')));
    if (!handled) return; // Tab, Ctrl+V (arrives as a paste event), …
    e.preventDefault();
    if (k.key === 'Escape') e.stopPropagation();
    queue.current = queue.current.then(() => handleKey(k));
  }

  function onPaste(e: ClipboardEvent<HTMLDivElement>) {
    const text = e.clipboardData.getData('text/plain');
    if (!text || !canWrite) return;
    e.preventDefault();
    if (sealed) { setStatus(t.gridLocks.sealedCell); return; }
    queue.current = queue.current.then(async () => {
      setDraft(null);
      const rows = text.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n').map((line) => line.split('\t'));
      const cells: Array<{ row: number; col: number; mark: string | null }> = [];
      const { row: r0, col: c0 } = pos.current;
      rows.forEach((values, i) => values.forEach((v, j) => {
        const row = r0 + i, col = c0 + j;
        if (row < students.length && col < columns.length) cells.push({ row, col, mark: v.trim() === '' ? null : v });
      }));
      // a block is written whole or not at all: one cell under another class's seal stops it
      const locked = cells.find((c) => lockedAt(c.row, c.col));
      if (locked) { setStatus(lockedWhy(locked.row, locked.col)); return; }
      await write(cells);
    });
  }

  const stats = subject.stats;
  const statRows: Array<[string, (key: string) => string]> = [
    ...COUNTED_MARKS.map((m) => [t.grades.statCount(m), (k: string) => String(stats[k]?.counts[m] ?? 0)] as [string, (key: string) => string]),
    [t.grades.progress, (k) => (stats[k]?.progress == null ? '—' : String(stats[k].progress).replace('.', ','))],
    [t.grades.quality, (k) => (stats[k]?.quality == null ? '—' : String(stats[k].quality).replace('.', ','))],
  ];
  const keys = grid.allowMarkOne ? [t.grades.keysOne, ...t.grades.keys] : t.grades.keys;

  const departedMarks = grid.afterDeparture.filter((m) => m.subjectId === subject.id).length;
  const sealedElsewhere = [...elsewhere.values()].filter((m) => m.sealed);
  return (
    <div className="grade-grid-wrap">
      {sealed && (
        <Notice kind="warn" testId="grade-sealed">{t.gridLocks.sealed(grid.className, grid.yearName, sealed.version, formatLocalDate(sealed.sealedAt))}</Notice>
      )}
      {departedMarks > 0 && <Notice kind="warn" testId="grade-after-departure">{t.gridLocks.afterDeparture(departedMarks)}</Notice>}
      {sealedElsewhere.length > 0 && (
        <Notice kind="info" testId="grade-sealed-elsewhere">
          {t.gridLocks.elsewhereSealed(sealedElsewhere.length, [...new Set(sealedElsewhere.map((m) => m.className))].join(', '))}
        </Notice>
      )}
      <div
        ref={box}
        role="grid"
        aria-label={t.grades.gridLabel(grid.className, subject.name)}
        aria-busy={busy}
        aria-readonly={readOnly || undefined}
        tabIndex={0}
        className={sealed ? 'grade-grid sealed' : 'grade-grid'}
        data-testid="grade-grid"
        onKeyDown={onKeyDown}
        onPaste={onPaste}
      >
        <table className="grid">
          <thead>
            <tr role="row">
              <th scope="col" role="columnheader">{t.grades.colStudent}</th>
              {columns.map((c) => {
                const title = columnTitle(c);
                return <th key={c.key} scope="col" role="columnheader" className="num" title={title.long}>{title.short}</th>;
              })}
            </tr>
          </thead>
          <tbody>
            {students.map((s, r) => (
              <tr key={s.id} role="row" className={s.leftOn ? 'muted departed' : s.inClass ? undefined : 'muted'} data-left-on={s.leftOn ?? undefined}>
                <th scope="row" role="rowheader" className="student-name" title={s.inClass ? undefined : t.grades.left}>
                  {s.fullName}
                  {s.leftOn && <span className="left-on" data-testid="left-on">{t.gridLocks.left(s.sex, formatDate(s.leftOn))}</span>}
                </th>
                {columns.map((c, ci) => {
                  const here = pos.current.row === r && pos.current.col === ci;
                  const refused = error?.cells.get(`${r}:${ci}`);
                  const shown = here && draft.current !== null ? draft.current : marks.current.get(cellKey(s.id, c.key)) ?? '';
                  const closed = s.closedColumns.includes(c.key);
                  const kept = afterDeparture.has(cellKey(s.id, c.key)) && marks.current.has(cellKey(s.id, c.key));
                  const other = elsewhere.get(cellKey(s.id, c.key));
                  const why = refused ?? (kept ? t.gridLocks.afterDepartureCell : closed ? t.gridLocks.closedCell(formatDate(s.leftOn)) : sealed ? t.gridLocks.sealedCell
                    : other ? (other.sealed ? t.gridLocks.elsewhereSealedCell(other.className) : t.gridLocks.elsewhereCell(other.className)) : undefined);
                  return (
                    <td
                      key={c.key}
                      role="gridcell"
                      aria-selected={here}
                      aria-invalid={refused || kept ? true : undefined}
                      aria-readonly={readOnly || closed || other?.sealed || undefined}
                      data-kept-in={other?.className}
                      title={why}
                      data-cell={`${r}:${ci}`}
                      className={['mark-cell', here ? 'cursor' : '', here && draft.current !== null ? 'editing' : '', refused ? 'refused' : '',
                        closed ? 'closed' : '', kept ? 'after-departure' : '', other ? 'elsewhere' : '', other?.sealed ? 'sealed-elsewhere' : ''].filter(Boolean).join(' ')}
                      onMouseDown={(ev) => { ev.preventDefault(); box.current?.focus(); queue.current = queue.current.then(() => { setDraft(null); move(r, ci); }); }}
                    >
                      {shown}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
          <tfoot data-testid="grade-stats">
            {statRows.map(([label, value]) => (
              <tr key={label} role="row">
                <th scope="row" role="rowheader">{label}</th>
                {columns.map((c) => <td key={c.key} className="num" data-stat={`${label}|${c.key}`}>{value(c.key)}</td>)}
              </tr>
            ))}
          </tfoot>
        </table>
      </div>
      <div className="grade-status" aria-live="polite" data-testid="grade-status">{status}</div>
      {error && (
        <div className="notice notice-error grade-error-bar" role="alert" data-testid="grade-error">
          <span>{error.message}</span>
          <button type="button" aria-label={t.gridLocks.closeError} title={t.gridLocks.closeError} onClick={() => { setError(null); box.current?.focus(); }}>×</button>
        </div>
      )}
      <details className="grade-keys" open data-testid="grade-keys">
        <summary>{t.grades.keysTitle}</summary>
        <dl>
          {keys.map(([k, what]) => <div key={k}><dt><kbd>{k}</kbd></dt><dd>{what}</dd></div>)}
        </dl>
      </details>
    </div>
  );
}
