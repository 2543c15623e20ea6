// Subjects and their codes in outside directories (city quality register ID, federal directory code).
import type { DB } from '../../db/connection.ts';
import type { Subject } from '../../preload/contract.ts';
import { AppError, fieldError, notFound } from '../shared/errors.ts';
import { cleanName } from '../../preload/core/names.ts';

type Row = { id: number; name: string; short_name: string; city_register_id: string | null; federal_code: string | null };

export const toSubject = (r: Row): Subject => ({
  id: r.id, name: r.name, shortName: r.short_name, cityRegisterId: r.city_register_id, federalCode: r.federal_code,
  missingCodes: [...(r.city_register_id ? [] : ['cityRegisterId' as const]), ...(r.federal_code ? [] : ['federalCode' as const])],
});

type Input = { name: string; shortName: string; cityRegisterId?: string | null; federalCode?: string | null };

function clean(a: Input) {
  const v = { name: cleanName(a.name), shortName: cleanName(a.shortName),
    cityRegisterId: cleanName(a.cityRegisterId) || null, federalCode: cleanName(a.federalCode) || null };
  if (!v.name) throw fieldError('name', 'Укажите название предмета');
  if (!v.shortName) throw fieldError('shortName', 'Укажите краткое название');
  return v;
}

function checkUnique(db: DB, v: ReturnType<typeof clean>, selfId: number | null) {
  const byName = db.prepare('SELECT id FROM subjects WHERE name = ?').get(v.name) as { id: number } | undefined;
  if (byName && byName.id !== selfId) throw fieldError('name', `Предмет «${v.name}» уже есть`);
  if (v.cityRegisterId) {
    const byCode = db.prepare('SELECT name, id FROM subjects WHERE city_register_id = ?').get(v.cityRegisterId) as Row | undefined;
    if (byCode && byCode.id !== selfId) throw fieldError('cityRegisterId', `Код ${v.cityRegisterId} уже у предмета «${byCode.name}»`);
  }
}

export function createSubject(db: DB, a: Input): Subject {
  const v = clean(a);
  checkUnique(db, v, null);
  const id = Number(db.prepare('INSERT INTO subjects (name, short_name, city_register_id, federal_code) VALUES (@name, @shortName, @cityRegisterId, @federalCode)')
    .run(v).lastInsertRowid);
  return getSubject(db, id);
}

export function updateSubject(db: DB, id: number, a: Input): Subject {
  getSubject(db, id);
  const v = clean(a);
  checkUnique(db, v, id);
  db.prepare('UPDATE subjects SET name = @name, short_name = @shortName, city_register_id = @cityRegisterId, federal_code = @federalCode WHERE id = @id')
    .run({ ...v, id });
  return getSubject(db, id);
}

export function getSubject(db: DB, id: number): Subject {
  const r = db.prepare('SELECT * FROM subjects WHERE id = ?').get(id) as Row | undefined;
  if (!r) throw notFound('Предмет');
  return toSubject(r);
}

export function listSubjects(db: DB): Subject[] {
  return (db.prepare('SELECT * FROM subjects ORDER BY name').all() as Row[]).map(toSubject);
}

export function requireSubjects(db: DB, ids: number[], field: string): void {
  for (const [i, id] of ids.entries()) {
    if (!db.prepare('SELECT 1 FROM subjects WHERE id = ?').get(id)) throw new AppError('validation', `Предмет №${id} не найден`, { [`${field}.${i}`]: `Предмет №${id} не найден` });
  }
}
