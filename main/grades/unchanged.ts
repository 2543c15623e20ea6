// Two workplaces on one class (issue 18): a cell saved from a grid that showed an older mark. Each cell may carry the
// mark the clerk saw (`was`); a cell that holds another mark now was changed elsewhere meanwhile, and the batch is
// refused whole before anything is written — each such cell named with its mark now, the one sent, and who changed it
// last (the audit log's latest grades.set of that cell), so nothing is overwritten silently. Runs in the same
// transaction as the write.
import type { DB } from '../../db/connection.ts';
import type { MarkCell } from '../../preload/contract.ts';
import { formatDateTime } from '../../preload/core/dates.ts';
import { normalizeMark } from '../../preload/core/marks.ts';
import { AppError } from '../shared/errors.ts';
import { classInfo, nameCell } from './grades.ts';

export function refuseChangedElsewhere(db: DB, classId: number, cells: readonly MarkCell[]): void {
  if (!cells.some((c) => c.was !== undefined)) return;
  const c = classInfo(db, classId);
  const now = db.prepare('SELECT mark FROM marks WHERE student_id = ? AND subject_id = ? AND class_id = ? AND slot = ? AND period_id IS ?').pluck();
  const changed: Array<{ i: number; cell: MarkCell; now: string | null }> = [];
  cells.forEach((cell, i) => {
    if (cell.was === undefined) return;
    const mark = (now.get(cell.studentId, cell.subjectId, classId, cell.slot, cell.slot === 'period' ? cell.periodId ?? null : null) as string | undefined) ?? null;
    const saw = normalizeMark(cell.was) ?? null;
    if (mark !== saw) changed.push({ i, cell, now: mark });
  });
  if (!changed.length) return;
  const who = db.prepare(`SELECT a.login, a.at, u.full_name FROM audit_log a JOIN json_each(a.detail, '$.args.cells') j
    LEFT JOIN users u ON u.login = a.login
    WHERE a.method = 'grades.set' AND json_extract(a.detail, '$.args.classId') = @classId
      AND json_extract(j.value, '$.studentId') = @studentId AND json_extract(j.value, '$.subjectId') = @subjectId
      AND json_extract(j.value, '$.slot') = @slot AND json_extract(j.value, '$.periodId') IS @periodId
    ORDER BY a.id DESC LIMIT 1`);
  const fields: Record<string, string> = {};
  const rows = changed.map(({ i, cell, now: mark }) => {
    const by = who.get({ classId, studentId: cell.studentId, subjectId: cell.subjectId, slot: cell.slot, periodId: cell.slot === 'period' ? cell.periodId ?? null : null }) as
      { login: string | null; at: string; full_name: string | null } | undefined;
    const whom = by ? `${by.full_name ?? by.login}${by.login ? ` (${by.login})` : ''}, ${formatDateTime(by.at)}` : 'другой операцией (импорт)';
    const why = `${nameCell(db, c, cell)}: оценку уже изменили на другом рабочем месте — сейчас «${mark ?? 'пусто'}», у вас была «${cell.was ?? 'пусто'}» (${whom})`;
    fields[`cells.${i}`] = why;
    return { cell: i, now: mark, was: cell.was ?? null, yours: cell.mark ?? null, by: by?.login ?? null, at: by?.at ?? null };
  });
  const first = Object.values(fields)[0];
  throw new AppError('conflict', changed.length === 1 ? `Оценка не записана — ${first}. Таблица обновлена: проверьте и введите снова`
    : `Ни одна оценка не записана: ${changed.length} из ${cells.length} ячеек изменены на другом рабочем месте. Первая — ${first}`, fields, rows);
}
