// The school's requisites, as printed on every ledger and packet.
import type { DB } from '../../db/connection.ts';
import type { School } from '../../preload/contract.ts';
import { AppError } from '../shared/errors.ts';
import { innCheck, kppShape, ogrnCheck } from '../../preload/core/identifiers.ts';
import { cleanName } from '../../preload/core/names.ts';

type Row = { full_name: string; short_name: string; inn: string; kpp: string; ogrn: string; address: string; director: string; region_code: string };

export function getSchool(db: DB): School | null {
  const r = db.prepare('SELECT * FROM school WHERE id = 1').get() as Row | undefined;
  return r ? { fullName: r.full_name, shortName: r.short_name, inn: r.inn, kpp: r.kpp, ogrn: r.ogrn,
    address: r.address, director: r.director, regionCode: r.region_code } : null;
}

export function validateSchool(s: School): School {
  const v = { ...s, fullName: cleanName(s.fullName), shortName: cleanName(s.shortName), address: cleanName(s.address),
    director: cleanName(s.director), inn: s.inn.trim(), kpp: s.kpp.trim().toUpperCase(), ogrn: s.ogrn.trim(), regionCode: s.regionCode.trim() };
  const f: Record<string, string> = {};
  if (!v.fullName) f.fullName = 'Укажите полное наименование';
  if (!v.shortName) f.shortName = 'Укажите краткое наименование';
  if (!/^\d{10}$/.test(v.inn)) f.inn = 'ИНН организации — 10 цифр';
  else if (!innCheck(v.inn)) f.inn = 'ИНН: неверная контрольная цифра';
  if (!kppShape(v.kpp)) f.kpp = 'КПП — 9 знаков (4 цифры, 2 цифры или буквы, 3 цифры)';
  if (!/^\d{13}$/.test(v.ogrn)) f.ogrn = 'ОГРН — 13 цифр';
  else if (!ogrnCheck(v.ogrn)) f.ogrn = 'ОГРН: неверная контрольная цифра';
  if (!v.address) f.address = 'Укажите адрес';
  if (!v.director) f.director = 'Укажите ФИО директора';
  if (!/^\d{2}$/.test(v.regionCode)) f.regionCode = 'Код региона — 2 цифры (например, 77)';
  if (Object.keys(f).length) throw new AppError('validation', Object.values(f)[0], f);
  return v;
}

export function updateSchool(db: DB, s: School): School {
  const v = validateSchool(s);
  db.prepare(`INSERT INTO school (id, full_name, short_name, inn, kpp, ogrn, address, director, region_code)
    VALUES (1, @fullName, @shortName, @inn, @kpp, @ogrn, @address, @director, @regionCode)
    ON CONFLICT (id) DO UPDATE SET full_name = excluded.full_name, short_name = excluded.short_name, inn = excluded.inn,
      kpp = excluded.kpp, ogrn = excluded.ogrn, address = excluded.address, director = excluded.director,
      region_code = excluded.region_code`).run(v);
  return getSchool(db)!;
}
