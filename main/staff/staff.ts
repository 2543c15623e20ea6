// Staff: ФИО, СНИЛС, position and the subjects each one teaches.
import type { DB } from '../../db/connection.ts';
import type { Staff } from '../../preload/contract.ts';
import { fieldError, notFound } from '../shared/errors.ts';
import { cleanName } from '../../preload/core/names.ts';
import { requireSubjects } from '../subjects/subjects.ts';
import { checkSnils } from '../students/validate.ts';

type Input = { lastName: string; firstName: string; middleName?: string | null; snils?: string | null; position: string; subjectIds?: number[] };
type Row = { id: number; last_name: string; first_name: string; middle_name: string | null; snils: string | null; position: string };

function clean(db: DB, a: Input, selfId: number | null) {
  const v = { lastName: cleanName(a.lastName), firstName: cleanName(a.firstName), middleName: cleanName(a.middleName) || null,
    snils: checkSnils(a.snils, 'snils'), position: cleanName(a.position) };
  if (!v.lastName) throw fieldError('lastName', 'Укажите фамилию');
  if (!v.firstName) throw fieldError('firstName', 'Укажите имя');
  if (!v.position) throw fieldError('position', 'Укажите должность');
  if (v.snils) {
    const other = db.prepare('SELECT id FROM staff WHERE snils = ?').get(v.snils) as { id: number } | undefined;
    if (other && other.id !== selfId) throw fieldError('snils', 'Сотрудник с таким СНИЛС уже есть');
  }
  requireSubjects(db, a.subjectIds ?? [], 'subjectIds');
  return v;
}

function setSubjects(db: DB, staffId: number, ids: number[]) {
  db.prepare('DELETE FROM staff_subjects WHERE staff_id = ?').run(staffId);
  const ins = db.prepare('INSERT OR IGNORE INTO staff_subjects (staff_id, subject_id) VALUES (?, ?)');
  for (const s of ids) ins.run(staffId, s);
}

export function createStaff(db: DB, a: Input): Staff {
  const v = clean(db, a, null);
  const id = Number(db.prepare('INSERT INTO staff (last_name, first_name, middle_name, snils, position) VALUES (@lastName, @firstName, @middleName, @snils, @position)')
    .run(v).lastInsertRowid);
  setSubjects(db, id, a.subjectIds ?? []);
  return getStaff(db, id);
}

export function updateStaff(db: DB, id: number, a: Input): Staff {
  getStaff(db, id);
  const v = clean(db, a, id);
  db.prepare('UPDATE staff SET last_name = @lastName, first_name = @firstName, middle_name = @middleName, snils = @snils, position = @position WHERE id = @id')
    .run({ ...v, id });
  setSubjects(db, id, a.subjectIds ?? []);
  return getStaff(db, id);
}

const toStaff = (db: DB, r: Row): Staff => ({
  id: r.id, lastName: r.last_name, firstName: r.first_name, middleName: r.middle_name, snils: r.snils, position: r.position,
  subjectIds: (db.prepare('SELECT subject_id FROM staff_subjects WHERE staff_id = ? ORDER BY subject_id').all(r.id) as Array<{ subject_id: number }>).map((x) => x.subject_id),
});

export function getStaff(db: DB, id: number): Staff {
  const r = db.prepare('SELECT * FROM staff WHERE id = ?').get(id) as Row | undefined;
  if (!r) throw notFound('Сотрудник');
  return toStaff(db, r);
}

export function listStaff(db: DB): Staff[] {
  return (db.prepare('SELECT * FROM staff ORDER BY last_name, first_name, middle_name').all() as Row[]).map((r) => toStaff(db, r));
}
