// 0011_subject_marks on a register with marks of several years and a sealed class, at version 10: opening it with this
// program moves every mark into its row of subject_marks. Read back through the `marks` view, every mark is what it was;
// every class's ledger is built the same, byte for byte; every other table's rows are untouched; the sealed class still
// refuses any change; and the view still writes by the old table's rules.
import crypto from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { latestVersion, migrate } from '../../db/migrate.ts';
import { migrations } from '../../db/migrations/index.ts';
import { openRegister } from '../../db/connection.ts';
import { generateDemo } from '../../main/demo/generate.ts';
import { buildLedger } from '../../main/ledgers/build.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { sealTestLedger, testSigner } from '../helpers/ledger-versions.ts';

afterAll(removeScratchDirs);

const columnsOf = (db: Database.Database, table: string, schema = 'main') =>
  (db.prepare(`PRAGMA ${schema}.table_info("${table}")`).all() as Array<{ name: string }>).map((c) => `"${c.name}"`).join(', ');

/** A register made from scratch: a later migration's table holds there what it holds after any migration (empty, or
 *  the one row of a settings table such as tsa_settings). */
let freshDb: Database.Database | undefined;
const fresh = () => {
  if (!freshDb) { freshDb = new Database(':memory:'); migrate(freshDb); }
  return freshDb;
};

/** Every row of every table but marks, in rowid order; a table's columns as version 10 had them (later migrations may add some). */
function rowsHash(db: Database.Database, columns: (table: string) => string | undefined = (t) => columnsOf(db, t)): string {
  const h = crypto.createHash('sha256');
  for (const name of db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT IN ('marks', 'subject_marks') ORDER BY name").pluck().all() as string[]) {
    const cols = columns(name);
    if (cols === undefined) { // a table a later migration made (it did not exist at version 10): as a new register has it
      expect(db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all(), name).toEqual(fresh().prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all());
      continue;
    }
    h.update(name);
    for (const row of db.prepare(`SELECT ${cols} FROM "${name}" ORDER BY rowid`).iterate()) h.update(JSON.stringify(row));
  }
  return h.digest('hex');
}
const MARKS = 'SELECT student_id, subject_id, year_id, class_id, slot, period_id, mark FROM marks ORDER BY student_id, subject_id, year_id, slot, period_id';
const ledgers = (db: Database.Database) => (db.prepare('SELECT id FROM classes ORDER BY id').pluck().all() as number[]).map((id) => buildLedger(db, id));

describe('0011 on a register with marks and a sealed class', () => {
  it('moves every mark into its row; the marks, the ledgers and every other row read back the same; sealed stays sealed', async () => {
    // A demo school made by this program, then carried row by row into a register at version 10 (the tables are the
    // same but marks, which version 10 keeps a mark per row)
    const dir = scratchDir();
    const made = openRegister(path.join(dir, 'made.sqlite'), { create: true });
    made.exec("INSERT INTO users (id, login, full_name, role, password_hash, created_at) VALUES (1, 'admin', 'Админ', 'admin', 'scrypt$x', 'now')");
    await generateDemo(made, { students: 150, seed: 11, today: '2026-11-24' }, progressTo());
    made.close();
    const file = path.join(dir, 'register.sqlite');
    const old = new Database(file);
    migrate(old, migrations.slice(0, 10));
    expect(old.pragma('user_version', { simple: true })).toBe(10);
    old.pragma('foreign_keys = OFF'); // the tables in the order their migrations made them; checked after
    old.exec(`ATTACH '${path.join(dir, 'made.sqlite')}' AS made`);
    old.transaction(() => {
      for (const t of old.prepare("SELECT name FROM main.sqlite_schema WHERE type = 'table' AND name NOT IN ('marks', 'sqlite_sequence') ORDER BY rowid").pluck().all() as string[]) {
        // settings and the like come with a row; the columns version 10 has (later migrations may add some)
        const cols = columnsOf(old, t);
        old.exec(`INSERT OR REPLACE INTO main."${t}" (${cols}) SELECT ${cols} FROM made."${t}"`);
      }
      old.exec(`INSERT INTO main.marks (student_id, subject_id, year_id, class_id, slot, period_id, mark)
        SELECT student_id, subject_id, year_id, class_id, slot, period_id, mark FROM made.marks ORDER BY student_id, subject_id, slot, period_id`);
    })();
    old.exec('DETACH made');
    old.pragma('foreign_keys = ON');
    expect(old.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    const sealed = old.prepare('SELECT class_id AS id, count(*) AS n FROM marks GROUP BY class_id ORDER BY n DESC LIMIT 1').get() as { id: number; n: number };
    expect(sealed.n).toBeGreaterThan(50);
    await sealTestLedger(old, testSigner().signer, { classId: sealed.id, version: 1 });
    const v10Columns = new Map((old.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[]).map((t) => [t, columnsOf(old, t)]));
    // The ledgers before: this program reads marks from subject_marks (main/grades marksOfClassMembers), which a
    // version-10 file has not got, so they are built from the register the rows were carried from (the same rows).
    const madeAgain = new Database(path.join(dir, 'made.sqlite'), { readonly: true });
    const ledgersBefore = ledgers(madeAgain);
    madeAgain.close();
    const before = { rows: rowsHash(old), marks: old.prepare(MARKS).all(), ledgers: ledgersBefore,
      slots: old.prepare('SELECT slot, count(*) AS n FROM marks GROUP BY slot ORDER BY slot').all(),
      groups: old.prepare('SELECT count(*) FROM (SELECT DISTINCT student_id, subject_id, year_id, class_id FROM marks)').pluck().get() };
    expect(before.marks.length).toBeGreaterThan(1000);
    expect((before.slots as Array<{ slot: string }>).map((s) => s.slot)).toEqual(expect.arrayContaining(['annual', 'period']));
    old.close();

    const db = openRegister(file, { create: false });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(latestVersion());
      expect(db.prepare(MARKS).all()).toEqual(before.marks);
      expect(db.prepare('SELECT count(*) FROM subject_marks').pluck().get()).toBe(before.groups);
      expect(ledgers(db)).toEqual(before.ledgers);
      expect(rowsHash(db, (t) => v10Columns.get(t))).toBe(before.rows);
      // sealed stays sealed: no change, removal or new mark in the sealed class, through the view or the table
      const one = db.prepare('SELECT student_id, subject_id, slot, period_id FROM marks WHERE class_id = ? LIMIT 1').get(sealed.id) as
        { student_id: string; subject_id: number; slot: string; period_id: number | null };
      const cell = 'student_id = ? AND subject_id = ? AND slot = ? AND period_id IS ?';
      const args = [one.student_id, one.subject_id, one.slot, one.period_id];
      expect(() => db.prepare(`UPDATE marks SET mark = CASE mark WHEN '5' THEN '4' ELSE '5' END WHERE ${cell}`).run(...args)).toThrow(/запечатана/);
      expect(() => db.prepare(`DELETE FROM marks WHERE ${cell}`).run(...args)).toThrow(/запечатана/);
      expect(() => db.prepare("UPDATE subject_marks SET annual = '5' WHERE class_id = ?").run(sealed.id)).toThrow(/запечатана/);
      expect(() => db.prepare('DELETE FROM subject_marks WHERE class_id = ?').run(sealed.id)).toThrow(/запечатана/);
      expect(db.prepare(MARKS).all()).toEqual(before.marks);
      // a period with marks cannot go, nor can the kind of periods of a grade with period marks change
      const period = db.prepare("SELECT period_id FROM marks WHERE slot = 'period' LIMIT 1").pluck().get() as number;
      expect(() => db.prepare('DELETE FROM periods WHERE id = ?').run(period)).toThrow(/the period has marks/);
      expect(() => db.prepare('UPDATE periods SET number = 4 WHERE id = ? AND number <> 4').run(period)).toThrow(/the period has marks|UNIQUE/);
      expect(() => db.prepare("UPDATE year_grade_periods SET kind = 'half' WHERE (year_id, grade) IN (SELECT c.year_id, c.parallel FROM marks m JOIN classes c ON c.id = m.class_id WHERE m.period_id = ?)").run(period))
        .toThrow(/the grade has period marks/);
      // the view writes by the old table's rules: the scale, one cell once, and a cleared last mark takes its row
      const free = db.prepare(`SELECT student_id, subject_id, year_id, class_id, slot, period_id FROM marks WHERE class_id <> ? AND slot = 'period' LIMIT 1`).get(sealed.id) as
        { student_id: string; subject_id: number; year_id: number; class_id: number; slot: string; period_id: number };
      const put = db.prepare('INSERT INTO marks (student_id, subject_id, year_id, class_id, slot, period_id, mark) VALUES (?, ?, ?, ?, ?, ?, ?)');
      expect(() => put.run(free.student_id, free.subject_id, free.year_id, free.class_id, 'period', free.period_id, '4')).toThrow(/UNIQUE constraint failed/);
      expect(() => db.prepare(`UPDATE marks SET mark = '7' WHERE ${cell}`).run(free.student_id, free.subject_id, 'period', free.period_id)).toThrow(/CHECK constraint failed/);
      db.prepare(`DELETE FROM marks WHERE student_id = ? AND subject_id = ? AND year_id = ? AND class_id = ?`).run(free.student_id, free.subject_id, free.year_id, free.class_id);
      expect(db.prepare('SELECT count(*) FROM subject_marks WHERE student_id = ? AND subject_id = ? AND year_id = ? AND class_id = ?')
        .pluck().get(free.student_id, free.subject_id, free.year_id, free.class_id)).toBe(0);
      put.run(free.student_id, free.subject_id, free.year_id, free.class_id, 'period', free.period_id, 'осв');
      expect(db.prepare(`SELECT mark FROM marks WHERE ${cell}`).pluck().all(free.student_id, free.subject_id, 'period', free.period_id)).toEqual(['осв']);
      expect(db.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok');
      expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    } finally {
      db.close();
    }
  });
});
