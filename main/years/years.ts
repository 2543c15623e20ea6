// Academic years and their periods (четверти, полугодия or триместры, chosen per grade level).
import type { DB } from '../../db/connection.ts';
import type { Year } from '../../preload/contract.ts';
import { AppError, fieldError } from '../shared/errors.ts';

type Kind = 'quarter' | 'half' | 'trimester';

/** Usual period boundaries, as (month, day) pairs relative to the year's September. */
const CALENDAR: Record<Kind, Array<[[number, number], [number, number]]>> = {
  quarter: [[[9, 1], [10, 24]], [[11, 3], [12, 28]], [[1, 9], [3, 21]], [[3, 30], [5, 26]]],
  half: [[[9, 1], [12, 28]], [[1, 9], [5, 26]]],
  trimester: [[[9, 1], [11, 29]], [[12, 1], [2, 28]], [[3, 1], [5, 26]]],
};

const iso = (y: number, [m, d]: [number, number]) => `${m >= 9 ? y : y + 1}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

export const DEFAULT_PERIOD_KINDS: Array<{ fromGrade: number; toGrade: number; kind: Kind }> = [
  { fromGrade: 1, toGrade: 9, kind: 'quarter' },
  { fromGrade: 10, toGrade: 11, kind: 'half' },
];

export function createYear(db: DB, a: { name: string; periodKinds?: Array<{ fromGrade: number; toGrade: number; kind: Kind }> }): Year {
  const first = Number(a.name.slice(0, 4));
  if (Number(a.name.slice(5)) !== first + 1) throw fieldError('name', 'Учебный год — два соседних года, например 2025/2026');
  if (first < 1950 || first > 2100) throw fieldError('name', 'Учебный год вне допустимого диапазона');
  if (db.prepare('SELECT 1 FROM academic_years WHERE name = ?').get(a.name)) throw fieldError('name', `Учебный год ${a.name} уже есть`);
  const kinds = a.periodKinds?.length ? a.periodKinds : DEFAULT_PERIOD_KINDS;
  const byGrade = new Map<number, Kind>();
  for (const k of kinds) {
    if (k.fromGrade < 1 || k.toGrade > 11 || k.fromGrade > k.toGrade) throw fieldError('periodKinds', 'Параллели — от 1 до 11');
    for (let g = k.fromGrade; g <= k.toGrade; g++) {
      if (byGrade.has(g)) throw fieldError('periodKinds', `Для ${g}-й параллели периоды указаны дважды`);
      byGrade.set(g, k.kind);
    }
  }
  for (let g = 1; g <= 11; g++) if (!byGrade.has(g)) throw fieldError('periodKinds', `Не указаны периоды для ${g}-й параллели`);
  const yearId = Number(db.prepare('INSERT INTO academic_years (name, start_date, end_date) VALUES (?, ?, ?)')
    .run(a.name, `${first}-09-01`, `${first + 1}-08-31`).lastInsertRowid);
  const insGrade = db.prepare('INSERT INTO year_grade_periods (year_id, grade, kind) VALUES (?, ?, ?)');
  for (const [g, k] of byGrade) insGrade.run(yearId, g, k);
  const insPeriod = db.prepare('INSERT INTO periods (year_id, kind, number, start_date, end_date) VALUES (?, ?, ?, ?, ?)');
  for (const k of new Set(byGrade.values())) {
    CALENDAR[k].forEach(([s, e], i) => insPeriod.run(yearId, k, i + 1, iso(first, s), iso(first, e)));
  }
  return getYear(db, yearId);
}

export function getYear(db: DB, id: number): Year {
  const y = db.prepare('SELECT * FROM academic_years WHERE id = ?').get(id) as { id: number; name: string; start_date: string; end_date: string } | undefined;
  if (!y) throw new AppError('not_found', 'Учебный год не найден');
  return {
    id: y.id, name: y.name, startDate: y.start_date, endDate: y.end_date,
    gradePeriods: db.prepare('SELECT grade, kind FROM year_grade_periods WHERE year_id = ? ORDER BY grade').all(id) as Year['gradePeriods'],
    periods: (db.prepare('SELECT id, kind, number, start_date, end_date FROM periods WHERE year_id = ? ORDER BY kind, number').all(id) as
      Array<{ id: number; kind: Kind; number: number; start_date: string; end_date: string }>)
      .map((p) => ({ id: p.id, kind: p.kind, number: p.number, startDate: p.start_date, endDate: p.end_date })),
  };
}

export function listYears(db: DB): Year[] {
  return (db.prepare('SELECT id FROM academic_years ORDER BY name DESC').all() as Array<{ id: number }>).map((y) => getYear(db, y.id));
}

export function yearByName(db: DB, name: string): { id: number; name: string } | undefined {
  return db.prepare('SELECT id, name FROM academic_years WHERE name = ?').get(name) as { id: number; name: string } | undefined;
}
