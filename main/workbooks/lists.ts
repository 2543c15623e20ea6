// "Save as xlsx" for the list screens: the students list (with its search and class filter) and a class's marks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import type { GridColumn, ImportChange } from '../../preload/contract.ts';
import { searchStudents } from '../students/students.ts';
import { classGrid } from '../grades/grades.ts';
import { formatSnils } from '../../preload/core/identifiers.ts';
import { writeListWorkbook, type ListSheet } from './write.ts';

const STATUS: Record<string, string> = { new: 'не зачислен(а)', studying: 'обучается', departed: 'выбыл(а)' };
const PERIOD_SHORT: Record<string, string> = { quarter: 'четв.', half: 'полуг.', trimester: 'трим.' };
const SLOT_WORD: Record<string, string> = { annual: 'год', exam: 'экзамен', final: 'итог' };

export const columnLabel = (c: GridColumn) => (c.slot === 'period' ? `${c.number} ${PERIOD_SHORT[c.kind ?? 'quarter']}` : SLOT_WORD[c.slot]);

async function toBytes<R>(sheets: ListSheet<R>[]): Promise<Buffer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-list-'));
  try {
    const file = path.join(dir, 'list.xlsx');
    await writeListWorkbook(file, sheets);
    return fs.readFileSync(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function studentsListWorkbook(db: DB, a: { query?: string; classId?: number }): Promise<{ fileName: string; bytes: Buffer }> {
  const { rows } = searchStudents(db, { query: a.query, classId: a.classId, limit: 1_000_000 });
  const bytes = await toBytes([{
    name: 'Ученики',
    rows: rows.map((r, i) => ({ ...r, n: i + 1 })),
    columns: [
      { header: '№', value: (r) => r.n, kind: 'number' },
      { header: 'ФИО', value: (r) => r.fullName },
      { header: 'Дата рождения', value: (r) => r.birthDate, kind: 'date' },
      { header: 'СНИЛС', value: (r) => (r.snils ? formatSnils(r.snils) : null) },
      { header: 'Класс', value: (r) => r.className },
      { header: 'Состояние', value: (r) => STATUS[r.status] },
    ],
  }]);
  return { fileName: 'Ученики.xlsx', bytes };
}

/** One sheet: a row per student, a column per subject × period (and annual, exam, final). */
export async function classMarksWorkbook(db: DB, classId: number): Promise<{ fileName: string; bytes: Buffer }> {
  const g = classGrid(db, classId);
  const mark = new Map(g.marks.map((m) => [`${m.studentId}|${m.subjectId}|${m.column}`, m.mark]));
  const cols = g.subjects.flatMap((s) => g.columns.filter((c) => c.slot !== 'exam' || s.hasExam).map((c) => ({ s, c })));
  const bytes = await toBytes([{
    name: `${g.className} ${g.yearName.replace('/', '-')}`,
    rows: g.students.map((st, i) => ({ ...st, n: i + 1 })),
    columns: [
      { header: '№', value: (r) => r.n, kind: 'number' },
      { header: 'ФИО', value: (r) => r.fullName },
      ...cols.map(({ s, c }) => ({ header: `${s.shortName} ${columnLabel(c)}`, value: (r: { id: string }) => mark.get(`${r.id}|${s.id}|${c.key}`) ?? null })),
    ],
  }]);
  return { fileName: `Успеваемость ${g.className} ${g.yearName.replace('/', '-')}.xlsx`, bytes };
}

const CHANGE_KIND: Record<string, string> = { added: 'добавить', changed: 'изменить' };
/** An import preview's changes as the clerk filtered them: «ФИО — предмет, период: было → станет», a row each; a
 *  students journal's by its rows: «ФИО — что меняется: было → станет». */
export async function importChangesWorkbook(fileName: string, changes: readonly ImportChange[], kind: 'marks' | 'students' = 'marks'): Promise<{ fileName: string; bytes: Buffer }> {
  const bytes = await toBytes([{
    name: 'Изменения',
    rows: changes,
    columns: kind === 'students' ? [
      { header: 'Лист', value: (r) => r.sheet },
      { header: 'Строка', value: (r) => r.row, kind: 'number' },
      { header: 'ФИО', value: (r) => r.student },
      { header: 'Что меняется', value: (r) => r.subject },
      { header: 'Было', value: (r) => r.from ?? '—' },
      { header: 'Станет', value: (r) => r.to },
    ] : [
      { header: 'Лист', value: (r) => r.sheet },
      { header: 'Ячейка', value: (r) => `${r.column}${r.row}` },
      { header: 'ФИО', value: (r) => r.student },
      { header: 'Класс', value: (r) => r.className },
      { header: 'Предмет', value: (r) => r.subject },
      { header: 'Период', value: (r) => r.period },
      { header: 'Что', value: (r) => CHANGE_KIND[r.kind] },
      { header: 'Было', value: (r) => r.from ?? '—' },
      { header: 'Станет', value: (r) => r.to },
    ],
  }]);
  return { fileName: `Изменения — ${fileName.replace(/\.xlsx$/i, '')}.xlsx`, bytes };
}
