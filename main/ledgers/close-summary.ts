// What closing a year would do, said before the job starts: each class of the year with its state, how many students
// and marks its ledger holds, and what keeps it from being sealed (empty cells, «н/а»), named. Read only.
import type { DB } from '../../db/connection.ts';
import type { CloseYearSummary } from '../../preload/contract.ts';
import { notFound } from '../shared/errors.ts';
import { buildLedger, ledgerGaps } from './build.ts';
import { describeGaps } from './seal.ts';
import { currentVersion, openCorrectionOf } from './versions.ts';

export function closeYearSummary(db: DB, yearId: number): CloseYearSummary {
  const year = db.prepare('SELECT name FROM academic_years WHERE id = ?').get(yearId) as { name: string } | undefined;
  if (!year) throw notFound('Учебный год');
  const classes = db.prepare('SELECT id, parallel || letter AS name FROM classes WHERE year_id = ? ORDER BY parallel, letter').all(yearId) as Array<{ id: number; name: string }>;
  const rows = classes.map((c) => {
    const data = buildLedger(db, c.id);
    const gaps = ledgerGaps(data);
    let marks = 0;
    // the marks of the students still in the class (one who moved away is counted where he is now)
    for (const s of data.students.filter((x) => !x.left)) {
      for (const m of Object.values(s.marks)) {
        marks += Object.values(m.periods).filter((x) => x != null).length + [m.annual, m.exam, m.final].filter((x) => x != null).length;
      }
    }
    const sealed = !!currentVersion(db, c.id) && !openCorrectionOf(db, c.id);
    const missing = gaps.filter((g) => !g.na);
    return {
      classId: c.id, className: c.name, state: sealed ? 'sealed' as const : 'open' as const, students: data.totals.students, marks,
      missing: missing.length, na: gaps.length - missing.length, gaps: gaps.length && !sealed ? describeGaps(missing.length ? missing : gaps, 3) : null,
    };
  });
  return {
    year: year.name, classes: rows,
    marks: rows.reduce((n, r) => n + r.marks, 0),
    missing: rows.reduce((n, r) => n + (r.state === 'open' ? r.missing : 0), 0),
    na: rows.reduce((n, r) => n + (r.state === 'open' ? r.na : 0), 0),
  };
}
