import Database from 'better-sqlite3';
import fs from 'node:fs';
const variant = process.argv[2] ?? 'full';
fs.copyFileSync('/tmp/b/imp/template.sqlite', '/tmp/b/imp/t.sqlite');
for (const s of ['-wal','-shm']) fs.rmSync('/tmp/b/imp/t.sqlite'+s, { force: true });
const db = new Database('/tmp/b/imp/t.sqlite'); db.pragma('journal_mode = WAL'); db.pragma('foreign_keys = ON'); db.pragma('synchronous = FULL');
const y = db.prepare("SELECT id FROM academic_years WHERE name='2026/2027'").get() as any;
const mem = db.prepare('SELECT m.student_id, m.class_id FROM class_memberships m JOIN classes c ON c.id=m.class_id WHERE c.year_id=? ORDER BY m.student_id').all(y.id) as any[];
const subs = db.prepare('SELECT DISTINCT subject_id FROM curriculum').all().map((r: any) => r.subject_id);
const SC = `('5','4','3','2','1','зч','нз','осв','н/а')`;
const cols = ['p1','p2','p3','p4','annual','exam','final'];
db.exec(`CREATE TABLE mark_rows (
    student_id TEXT NOT NULL REFERENCES students(id), subject_id INTEGER NOT NULL REFERENCES subjects(id),
    class_id INTEGER NOT NULL REFERENCES classes(id), year_id INTEGER NOT NULL,
    ${cols.map((c) => `${c} TEXT CHECK (${c} IN ${SC})`).join(', ')},
    PRIMARY KEY (student_id, subject_id, class_id)) STRICT, WITHOUT ROWID;
  CREATE INDEX mark_rows_class ON mark_rows(class_id, subject_id);
  ${variant === 'full' ? `CREATE TRIGGER mr_checked BEFORE INSERT ON mark_rows BEGIN
    SELECT RAISE(ABORT, 'x') WHERE NEW.year_id IS NOT (SELECT year_id FROM classes WHERE id = NEW.class_id);
    SELECT RAISE(ABORT, 'y') WHERE NOT EXISTS (SELECT 1 FROM class_memberships WHERE student_id = NEW.student_id AND class_id = NEW.class_id);
    SELECT RAISE(ABORT, 'z') WHERE NOT EXISTS (SELECT 1 FROM curriculum WHERE class_id = NEW.class_id AND subject_id = NEW.subject_id);
    SELECT RAISE(ABORT, 'p') WHERE coalesce(NEW.p1, NEW.p2, NEW.p3, NEW.p4) IS NOT NULL AND (CASE WHEN NEW.p4 IS NOT NULL THEN 4 WHEN NEW.p3 IS NOT NULL THEN 3 WHEN NEW.p2 IS NOT NULL THEN 2 ELSE 1 END) >
      (SELECT CASE g.kind WHEN 'quarter' THEN 4 WHEN 'half' THEN 2 ELSE 3 END FROM classes c JOIN year_grade_periods g ON g.year_id = c.year_id AND g.grade = c.parallel WHERE c.id = NEW.class_id);
    SELECT RAISE(ABORT, 'e') WHERE NEW.exam IS NOT NULL AND NOT EXISTS (SELECT 1 FROM class_exams WHERE class_id = NEW.class_id AND subject_id = NEW.subject_id);
    SELECT RAISE(ABORT, 'w') WHERE '1' IN (NEW.p1, NEW.p2, NEW.p3, NEW.p4, NEW.annual, NEW.exam, NEW.final) AND (SELECT allow_mark_one FROM settings WHERE id = 1) IS NOT 1;
    SELECT RAISE(ABORT, 'u') WHERE EXISTS (SELECT 1 FROM mark_rows WHERE student_id = NEW.student_id AND subject_id = NEW.subject_id AND class_id <> NEW.class_id AND year_id = NEW.year_id);
  END;
  CREATE TRIGGER mr_sealed BEFORE INSERT ON mark_rows WHEN EXISTS (SELECT 1 FROM ledger_versions) BEGIN SELECT RAISE(ABORT, 's'); END;` : ''}`);
if (variant === 'nofk') db.pragma('foreign_keys = OFF');
const ins = db.prepare(`INSERT INTO mark_rows (student_id, subject_id, year_id, class_id, p1, p2, p3, p4)
    SELECT j.value ->> 0, j.value ->> 1, ?, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6 FROM json_each(?) j`);
const rows: any[] = []; for (const m of mem) for (const s of subs) rows.push([m.student_id, s, m.class_id, '5', '4', '3', '5']);
const t = performance.now();
db.transaction(() => { for (let i = 0; i < rows.length; i += 2000) ins.run(y.id, JSON.stringify(rows.slice(i, i + 2000))); })();
console.log(variant, rows.length, (performance.now() - t).toFixed(0), 'ms');
