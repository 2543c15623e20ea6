import Database from 'better-sqlite3';
import fs from 'node:fs';
const variant = process.argv[2];
fs.copyFileSync('/tmp/b/imp/template.sqlite', '/tmp/b/imp/t.sqlite');
for (const s of ['-wal','-shm']) fs.rmSync('/tmp/b/imp/t.sqlite'+s, { force: true });
const db = new Database('/tmp/b/imp/t.sqlite'); db.pragma('journal_mode = WAL'); db.pragma('foreign_keys = ON'); db.pragma('synchronous = FULL'); if (process.env.CACHE) db.pragma('cache_size = ' + process.env.CACHE);
const y = db.prepare("SELECT id FROM academic_years WHERE name='2026/2027'").get() as any;
const mem = db.prepare('SELECT m.student_id, m.class_id FROM class_memberships m JOIN classes c ON c.id=m.class_id WHERE c.year_id=?').all(y.id) as any[];
const subs = db.prepare('SELECT DISTINCT subject_id FROM curriculum').all().map((r: any) => r.subject_id);
const pers = db.prepare("SELECT id FROM periods WHERE year_id=? AND kind='quarter'").all(y.id).map((r: any) => r.id);
if (variant.startsWith('wide')) {
  db.exec(`CREATE TABLE mark_rows (
    student_id TEXT NOT NULL REFERENCES students(id), subject_id INTEGER NOT NULL REFERENCES subjects(id),
    year_id INTEGER NOT NULL REFERENCES academic_years(id), class_id INTEGER NOT NULL REFERENCES classes(id),
    p1 TEXT CHECK (p1 IN ('5','4','3','2','1','зч','нз','осв','н/а')), p2 TEXT CHECK (p2 IN ('5','4','3','2','1','зч','нз','осв','н/а')),
    p3 TEXT CHECK (p3 IN ('5','4','3','2','1','зч','нз','осв','н/а')), p4 TEXT CHECK (p4 IN ('5','4','3','2','1','зч','нз','осв','н/а')),
    annual TEXT, exam TEXT, final TEXT, PRIMARY KEY (student_id, subject_id, class_id)) STRICT, WITHOUT ROWID;
  CREATE INDEX mark_rows_class ON mark_rows(class_id, subject_id);
  CREATE TRIGGER mr_checked BEFORE INSERT ON mark_rows BEGIN
    SELECT RAISE(ABORT, 'x') WHERE NEW.year_id IS NOT (SELECT year_id FROM classes WHERE id = NEW.class_id);
    SELECT RAISE(ABORT, 'y') WHERE NOT EXISTS (SELECT 1 FROM class_memberships WHERE student_id = NEW.student_id AND class_id = NEW.class_id);
    SELECT RAISE(ABORT, 'z') WHERE NOT EXISTS (SELECT 1 FROM curriculum WHERE class_id = NEW.class_id AND subject_id = NEW.subject_id);
    SELECT RAISE(ABORT, 'w') WHERE (SELECT allow_mark_one FROM settings WHERE id = 1) IS NOT 1 AND '1' IN (NEW.p1, NEW.p2, NEW.p3, NEW.p4, NEW.annual, NEW.exam, NEW.final);
    SELECT RAISE(ABORT, 'u') WHERE EXISTS (SELECT 1 FROM mark_rows WHERE student_id = NEW.student_id AND subject_id = NEW.subject_id AND year_id = NEW.year_id AND class_id <> NEW.class_id);
  END;`);
  const ins = db.prepare(`INSERT INTO mark_rows (student_id, subject_id, year_id, class_id, p1, p2, p3, p4)
    SELECT j.value ->> 0, j.value ->> 1, ?, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6 FROM json_each(?) j`);
  const rows: any[] = []; for (const m of mem) for (const s of subs) rows.push([m.student_id, s, m.class_id, '5', '4', '3', '5']);
  if (variant.includes('notrig')) db.exec('DROP TRIGGER IF EXISTS mr_checked; DROP TRIGGER IF EXISTS marks_checked_insert; DROP TRIGGER IF EXISTS marks_sealed_insert');
  if (variant.includes('nofk')) db.pragma('foreign_keys = OFF');
  if (variant.includes('noclassidx')) db.exec('DROP INDEX marks_class');
  if (variant.includes('nocellidx')) db.exec('DROP INDEX marks_cell');
  if (process.env.SORT) rows.sort((a: any, b: any) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]);
  const t = performance.now();
  db.exec('BEGIN'); for (let i = 0; i < rows.length; i += 2000) ins.run(y.id, JSON.stringify(rows.slice(i, i + 2000)));
  const t2 = performance.now(); db.exec('COMMIT');
  console.log(variant, rows.length, (t2 - t).toFixed(0), 'ms + commit', (performance.now() - t2).toFixed(0));
} else {
  const ins = db.prepare(`INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, period_id, mark)
    SELECT j.value ->> 0, j.value ->> 1, ?, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5 FROM json_each(?) j`);
  const rows: any[] = []; for (const m of mem) for (const s of subs) for (const p of pers) rows.push([m.student_id, s, m.class_id, 'period', p, '5']);
  if (process.env.MODE === 'row') { const one = db.prepare('INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, period_id, mark) VALUES (?, ?, ?, ?, ?, ?, ?)'); (ins as any).run = (yid: number, js: string) => { for (const r of JSON.parse(js)) one.run(r[0], r[1], yid, r[2], r[3], r[4], r[5]); }; }
  if (process.env.MODE === 'values') { const N = 2000; const many = db.prepare('INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, period_id, mark) VALUES ' + Array(N).fill('(?, ?, ?, ?, ?, ?, ?)').join(',')); const one = db.prepare('INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, period_id, mark) VALUES (?, ?, ?, ?, ?, ?, ?)'); (ins as any).run = (yid: number, js: string) => { const rs = JSON.parse(js); if (rs.length === N) many.run(rs.flatMap((r: any) => [r[0], r[1], yid, r[2], r[3], r[4], r[5]])); else for (const r of rs) one.run(r[0], r[1], yid, r[2], r[3], r[4], r[5]); }; }
  if (variant.includes('notrig')) db.exec('DROP TRIGGER IF EXISTS mr_checked; DROP TRIGGER IF EXISTS marks_checked_insert; DROP TRIGGER IF EXISTS marks_sealed_insert');
  if (variant.includes('nofk')) db.pragma('foreign_keys = OFF');
  if (variant.includes('noclassidx')) db.exec('DROP INDEX marks_class');
  if (variant.includes('nocellidx')) db.exec('DROP INDEX marks_cell');
  if (process.env.SORT) rows.sort((a: any, b: any) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]);
  const t = performance.now();
  db.exec('BEGIN'); for (let i = 0; i < rows.length; i += 2000) ins.run(y.id, JSON.stringify(rows.slice(i, i + 2000)));
  const t2 = performance.now(); db.exec('COMMIT');
  console.log(variant, rows.length, (t2 - t).toFixed(0), 'ms + commit', (performance.now() - t2).toFixed(0));
}
db.close();
