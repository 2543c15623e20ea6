// Field checks for a student card. Each failure names its field, so the UI shows it in place.
import { AppError, fieldError } from '../shared/errors.ts';
import { normalizeSnils, snilsCheck } from '../../preload/core/identifiers.ts';
import { cleanName, hasControlChar } from '../../preload/core/names.ts';
import { formatDate, isValidIsoDate, todayIso } from '../../preload/core/dates.ts';

/** Returns the 11-digit СНИЛС, null when empty; throws a field error when it is malformed or fails the checksum. */
export function checkSnils(input: string | null | undefined, field: string): string | null {
  const raw = (input ?? '').trim();
  if (!raw) return null;
  const d = normalizeSnils(raw);
  if (!d) throw fieldError(field, 'СНИЛС — 11 цифр, например 112-233-445 95');
  if (d.startsWith('000000000')) throw fieldError(field, `СНИЛС ${raw}: из одних нулей — такого номера нет`);
  if (!snilsCheck(d)) throw fieldError(field, `СНИЛС ${raw}: неверное контрольное число`);
  return d;
}

export type StudentFields = {
  lastName: string; firstName: string; middleName?: string | null; birthDate: string; sex: 'М' | 'Ж'; snils?: string | null;
  docKind?: 'birth_certificate' | 'passport' | null; docSeries?: string | null; docNumber?: string | null; docDate?: string | null;
  docIssuer?: string | null; address?: string | null; pdConsentDate?: string | null;
  guardians?: Array<{ kind: string; fullName: string; phone?: string | null; email?: string | null }>;
};

const NAME_WORD = { lastName: 'Фамилия', firstName: 'Имя', middleName: 'Отчество' } as const;

export function cleanStudent(a: StudentFields) {
  const f: Record<string, string> = {};
  const v = {
    lastName: cleanName(a.lastName), firstName: cleanName(a.firstName), middleName: cleanName(a.middleName) || null,
    birthDate: a.birthDate, sex: a.sex, snils: null as string | null,
    docKind: a.docKind ?? null, docSeries: cleanName(a.docSeries) || null, docNumber: cleanName(a.docNumber) || null,
    docDate: a.docDate || null, docIssuer: cleanName(a.docIssuer) || null, address: cleanName(a.address) || null,
    pdConsentDate: a.pdConsentDate || null,
    guardians: (a.guardians ?? []).map((g) => ({ kind: cleanName(g.kind), fullName: cleanName(g.fullName),
      phone: cleanName(g.phone) || null, email: cleanName(g.email) || null })),
  };
  if (!v.lastName) f.lastName = 'Укажите фамилию';
  if (!v.firstName) f.firstName = 'Укажите имя';
  const nameRe = /^[А-ЯЁа-яёA-Za-z][А-ЯЁа-яёA-Za-z' .-]*$/;
  for (const k of ['lastName', 'firstName', 'middleName'] as const) {
    // checked before cleaning: a pasted cell's line break is shown to the clerk, not quietly made a space
    if (v[k] && hasControlChar(a[k])) f[k] = `${NAME_WORD[k]}: перевод строки, табуляция или другой невидимый символ — впишите без них`;
    else if (v[k] && !nameRe.test(v[k]!)) f[k] = 'Только буквы, дефис, апостроф и пробел';
  }
  if (!isValidIsoDate(v.birthDate)) f.birthDate = 'Неверная дата рождения';
  else if (v.birthDate > todayIso()) f.birthDate = 'Дата рождения в будущем';
  else if (v.birthDate < '1900-01-01') f.birthDate = 'Слишком ранняя дата рождения';
  try {
    v.snils = checkSnils(a.snils, 'snils');
  } catch (e) {
    f.snils = (e as AppError).message;
  }
  if (v.docKind) {
    if (!v.docNumber) f.docNumber = 'Укажите номер документа';
    if (v.docKind === 'passport' && v.docSeries && !/^\d{2}\s?\d{2}$/.test(v.docSeries)) f.docSeries = 'Серия паспорта — 4 цифры';
    if (v.docKind === 'passport' && v.docNumber && !/^\d{6}$/.test(v.docNumber)) f.docNumber = 'Номер паспорта — 6 цифр';
    if (v.docKind === 'birth_certificate' && v.docSeries && !/^[IVXLCivxlc]{1,6}-[А-ЯЁа-яё]{2}$/.test(v.docSeries)) {
      f.docSeries = 'Серия свидетельства о рождении: римские цифры, дефис, две русские буквы (например, IV-МЮ)';
    }
  } else if (v.docNumber || v.docSeries) f.docKind = 'Укажите вид документа';
  if (v.docDate && !isValidIsoDate(v.docDate)) f.docDate = 'Неверная дата выдачи';
  else if (v.docDate && isValidIsoDate(v.birthDate) && v.docDate < v.birthDate) f.docDate = 'Документ выдан раньше даты рождения';
  if (v.pdConsentDate && !isValidIsoDate(v.pdConsentDate)) f.pdConsentDate = 'Неверная дата согласия';
  else if (v.pdConsentDate && v.pdConsentDate > todayIso()) {
    f.pdConsentDate = `Дата согласия ${formatDate(v.pdConsentDate)} в будущем: согласие датируют днём подписи, не позже сегодняшнего`;
  }
  v.guardians.forEach((g, i) => {
    if (!g.kind) f[`guardians.${i}.kind`] = 'Укажите, кем приходится (мать, отец, опекун…)';
    if (!g.fullName) f[`guardians.${i}.fullName`] = 'Укажите ФИО представителя';
    if (g.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(g.email)) f[`guardians.${i}.email`] = 'Неверный адрес электронной почты';
    if (g.phone && !/^[+\d][\d\s()-]{4,}$/.test(g.phone)) f[`guardians.${i}.phone`] = 'Неверный номер телефона';
  });
  if (Object.keys(f).length) throw new AppError('validation', Object.values(f)[0], f);
  return v;
}
