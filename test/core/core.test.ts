// The pure core the renderer, the backend and the CLI share (preload/core/): one date helper, one way to write a name,
// one СНИЛС format. Identifier check digits are tested against the schema in test/db/checksums.test.ts.
import { describe, expect, it } from 'vitest';
import { currentYearStart, formatDate, formatDateTime, formatLocalDate, isValidIsoDate, parseDate, todayIso } from '../../preload/core/dates.ts';
import { formatSnils, snilsCheck, snilsCheckDigits } from '../../preload/core/identifiers.ts';
import { bookLetter, cleanName, fullName, losesYo, searchKey } from '../../preload/core/names.ts';

describe('dates', () => {
  it('shows ISO dates as ДД.ММ.ГГГГ, the date part of a timestamp too; nothing for none, anything else as it came', () => {
    expect(formatDate('2025-09-01')).toBe('01.09.2025');
    expect(formatDate('2025-09-01T10:20:30.000Z')).toBe('01.09.2025');
    expect([formatDate(null), formatDate(undefined), formatDate('')]).toEqual(['', '', '']);
    expect(formatDate('сентябрь')).toBe('сентябрь');
  });

  it('reads what a person types into ISO, and refuses a day that does not exist', () => {
    for (const typed of ['01.09.2025', '1.9.2025', '01/09/2025', '01-09-2025', '01092025', ' 2025-09-01 ']) expect(parseDate(typed), typed).toBe('2025-09-01');
    expect(parseDate('29.02.2024')).toBe('2024-02-29');
    for (const typed of ['29.02.2025', '31.04.2025', '00.01.2025', '01.13.2025', '1.9.25', 'завтра', '']) expect(parseDate(typed), typed).toBeNull();
  });

  it('has one rule for a real day: what parseDate accepts is what isValidIsoDate accepts', () => {
    for (const year of [1900, 2000, 2024, 2025, 2100]) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const dd = String(day).padStart(2, '0'), mm = String(month).padStart(2, '0');
          const iso = `${year}-${mm}-${dd}`;
          expect(parseDate(`${dd}.${mm}.${year}`), iso).toBe(isValidIsoDate(iso) ? iso : null);
        }
      }
    }
  });

  it("gives today and a timestamp's day and time in this machine's time zone", () => {
    const at = new Date(2025, 8, 1, 7, 5, 9); // local time
    expect(todayIso(at)).toBe('2025-09-01');
    expect(formatLocalDate(at.toISOString())).toBe('01.09.2025');
    expect(formatDateTime(at.toISOString())).toBe('01.09.2025 07:05:09');
    expect(formatDateTime('не время')).toBe('не время');
  });

  it('starts the academic year in August: its first calendar year', () => {
    expect([currentYearStart('2025-07-31'), currentYearStart('2025-08-01'), currentYearStart('2026-01-15')]).toEqual([2024, 2025, 2025]);
  });
});

describe('names', () => {
  it('joins ФИО without a gap for a missing отчество, and keeps names clean', () => {
    expect(fullName({ lastName: 'Иванова', firstName: 'Анна', middleName: 'Сергеевна' })).toBe('Иванова Анна Сергеевна');
    expect(fullName({ lastName: 'Иванова', firstName: 'Анна', middleName: null })).toBe('Иванова Анна');
    expect(cleanName('  Анна   Мария ')).toBe('Анна Мария');
    expect(searchKey(' Ёлкина  Алёна ')).toBe('елкина алена');
    expect([bookLetter(' ёлкина'), bookLetter('Елкина')]).toEqual(['Ё', 'Е']);
  });
});

describe('ё kept', () => {
  it('a journal that only drops the register\'s ё loses it; an ё added, another letter or length is a change', () => {
    expect(losesYo('Фёдоровна', 'Федоровна')).toBe(true);
    expect(losesYo('Ёлкин', 'Елкин')).toBe(true);
    expect(losesYo('Семён', 'Семен')).toBe(true);
    expect(losesYo('Семён', 'Семён')).toBe(false);
    expect(losesYo('Федоровна', 'Фёдоровна')).toBe(false); // the journal's ё is a correction
    expect(losesYo('Семён', 'Симен')).toBe(false);
    expect(losesYo('Семён', 'Семенов')).toBe(false);
    expect(losesYo('Ёлкин', 'елкин')).toBe(false); // case is the journal's change to make
  });
});

describe('СНИЛС', () => {
  it('is written 112-233-445 95, and its check digits are the ones snilsCheck asks for', () => {
    expect(formatSnils('11223344595')).toBe('112-233-445 95');
    expect(formatSnils('112-233-445 95')).toBe('112-233-445 95');
    expect([formatSnils(null), formatSnils('')]).toEqual(['', '']);
    expect(snilsCheckDigits('112233445')).toBe('95');
    expect(snilsCheck(`112233445${snilsCheckDigits('112233445')}`)).toBe(true);
  });
});
