// What migration 0021_electives_workstations must leave behind: a curriculum entry flagged elective or not (nothing
// else); printer calibrations keyed by workstation and printer, so one printer name keeps an offset per computer; and
// the calibrations stored before kept as this computer's.
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { migrate } from '../../../db/migrate.ts';
import { migrations } from '../../../db/migrations/index.ts';

export default function check(db: Database.Database): void {
  db.prepare("INSERT INTO academic_years (name, start_date, end_date) VALUES ('2025/2026', '2025-09-01', '2026-08-31')").run();
  db.prepare("INSERT INTO classes (year_id, parallel, letter, level) VALUES (1, 11, 'А', 'СОО')").run();
  db.prepare("INSERT INTO subjects (name, short_name) VALUES ('Физика', 'Физ.'), ('Финансовая грамотность', 'Фин. гр.')").run();
  db.prepare('INSERT INTO curriculum (class_id, subject_id) VALUES (1, 1)').run();
  db.prepare('INSERT INTO curriculum (class_id, subject_id, elective) VALUES (1, 2, 1)').run();
  expect(db.prepare('SELECT subject_id, elective FROM curriculum ORDER BY subject_id').all()).toEqual([{ subject_id: 1, elective: 0 }, { subject_id: 2, elective: 1 }]);
  expect(() => db.prepare('UPDATE curriculum SET elective = 2 WHERE subject_id = 1').run()).toThrow(/CHECK constraint failed/);

  const cal = db.prepare(`INSERT INTO printer_calibrations (workstation, printer, dx_mm, dy_mm, scale, updated_at, updated_by)
    VALUES (?, ?, ?, 0, 1, '2026-06-20T10:00:00.000Z', 'admin')`);
  cal.run('этот компьютер', 'HP LaserJet 400', 1.5);
  cal.run('192.168.1.20', 'HP LaserJet 400', -0.5);
  expect(() => cal.run('192.168.1.20', 'HP LaserJet 400', 2)).toThrow(/UNIQUE|PRIMARY KEY/);
  expect(() => cal.run('  ', 'Kyocera', 0)).toThrow(/CHECK constraint failed/);
  expect(() => cal.run('192.168.1.20', 'Kyocera', 10.5)).toThrow(/CHECK constraint failed/);

  // a register of 0020 with a calibration: after 0021 it is this computer's, its values kept
  const old = new Database(':memory:');
  migrate(old, migrations.slice(0, 20));
  old.prepare(`INSERT INTO printer_calibrations (printer, dx_mm, dy_mm, scale, updated_at, updated_by)
    VALUES ('Kyocera ECOSYS', 1.5, -2, 1.01, '2026-06-20T10:00:00.000Z', 'admin')`).run();
  expect(migrate(old, migrations.slice(0, 21))).toEqual([21]);
  expect(old.prepare('SELECT * FROM printer_calibrations').all()).toEqual([{ workstation: 'этот компьютер', printer: 'Kyocera ECOSYS', dx_mm: 1.5,
    dy_mm: -2, scale: 1.01, updated_at: '2026-06-20T10:00:00.000Z', updated_by: 'admin' }]);
  old.close();
}
