// The school's requisites as every printed document heads them (kept apart from data.ts so that the attestats'
// blanks can read them without importing the book of attestats).
import type { DB } from '../../db/connection.ts';
import { AppError } from '../shared/errors.ts';

export type SchoolHeader = { fullName: string; shortName: string; inn: string; kpp: string; ogrn: string; address: string; director: string };

export function schoolHeader(db: DB): SchoolHeader {
  const s = db.prepare('SELECT * FROM school WHERE id = 1').get() as { full_name: string; short_name: string; inn: string; kpp: string; ogrn: string;
    address: string; director: string } | undefined;
  if (!s) throw new AppError('validation', 'Сведения о школе не заполнены (наименование, ИНН, КПП, ОГРН, адрес, директор): заполните их до печати документов');
  return { fullName: s.full_name, shortName: s.short_name, inn: s.inn, kpp: s.kpp, ogrn: s.ogrn, address: s.address, director: s.director };
}
