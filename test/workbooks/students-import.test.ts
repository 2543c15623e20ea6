// A students import against a real register: preview says what will happen, commit does exactly that in one
// transaction, and the same file imported again changes nothing.
import { describe, expect, it } from 'vitest';
import { openBackend } from '../../main/host/backend.ts';
import { createStudent } from '../../main/students/students.ts';
import { applyStudentsImport, previewStudentsImport, sexFromPatronymic, splitFullName } from '../../main/workbooks/students-import.ts';
import { tempDir } from '../helpers/register.ts';
import { writeBook } from './make.ts';
import { commitAsClerk } from './import-as-clerk.ts';
import path from 'node:path';

/** A valid СНИЛС from nine digits (above 001-001-998, where the checksum applies). */
function snils(body: string): string {
  const sum = body.split('').reduce((a, d, i) => a + Number(d) * (9 - i), 0);
  return body + String((sum % 101) % 100).padStart(2, '0');
}

function register() {
  const dir = tempDir();
  const backend = openBackend({ dbPath: path.join(dir, 'register.sqlite') });
  return { dir, db: backend.db, close: () => backend.close() };
}

const count = (db: ReturnType<typeof register>['db']) => (db.prepare('SELECT count(*) AS n FROM students').get() as { n: number }).n;

describe('names', () => {
  it('splits ФИО and reads sex from the patronymic', () => {
    expect(splitFullName(' Иванов  Пётр Сергеевич ')).toEqual({ lastName: 'Иванов', firstName: 'Пётр', middleName: 'Сергеевич' });
    expect(splitFullName('Алиев Руслан Ахмед оглы')).toEqual({ lastName: 'Алиев', firstName: 'Руслан', middleName: 'Ахмед оглы' });
    expect(splitFullName('Иванов')).toBeNull();
    expect(['Сергеевич', 'Ильич', 'Ахмед оглы', 'Ивановна', 'Ильинична', 'Алиевна', 'Руслан кызы', null, 'Ким'].map(sexFromPatronymic))
      .toEqual(['М', 'М', 'М', 'Ж', 'Ж', 'Ж', 'Ж', null, null]);
  });
});

describe('students import', () => {
  it('preview: added, changed, left alone, rejected cells with sheet/row/column; commit; the same file again changes nothing', async () => {
    const r = register();
    const s1 = snils('112233445');
    const s2 = snils('223344556');
    const s3 = snils('334455667');
    const kept = createStudent(r.db, { lastName: 'Орлова', firstName: 'Мария', middleName: 'Андреевна', birthDate: '2014-04-04', sex: 'Ж', snils: s1,
      guardians: [{ kind: 'мать', fullName: 'Орлова Ольга Ивановна', phone: '+7 900 000-00-00' }] });
    const renamed = createStudent(r.db, { lastName: 'Смирнова', firstName: 'Анна', middleName: 'Петровна', birthDate: '2014-05-05', sex: 'Ж', snils: s2 });
    const noSnils = createStudent(r.db, { lastName: 'Ёлкин', firstName: 'Семён', middleName: 'Ильич', birthDate: '2014-06-06', sex: 'М' });
    createStudent(r.db, { lastName: 'Двойнов', firstName: 'Иван', middleName: 'Иванович', birthDate: '2014-07-07', sex: 'М' });
    createStudent(r.db, { lastName: 'Двойнов', firstName: 'Иван', middleName: 'Иванович', birthDate: '2014-07-07', sex: 'М' });

    const file = await writeBook(r.dir, 'students.xlsx', {
      '5А': [
        ['Список класса 5А'],
        ['ФИО', 'Дата рождения', 'СНИЛС', 'Класс'],
        ['Орлова Мария Андреевна', '04.04.2014', s1, '5А'], // 3: left alone (matched by СНИЛС)
        ['Кузнецова Анна Петровна', 41764, s2, '5А'], // 4: changed surname (matched by СНИЛС)
        ['Елкин  Семен Ильич', '2014-06-06', s3, '5А'], // 5: matched by ФИО (ё = е) + birth date; СНИЛС added, «Ёлкин Семён» kept
        ['Новиков Павел Олегович', '08.08.2014', null, '5А'], // 6: added, sex from the patronymic
        ['Двойнов Иван Иванович', '07.07.2014', null, '5А'], // 7: ambiguous
        ['Ким Юна', '09.09.2014', null, '5А'], // 8: new, but sex unknown
        ['Плохов Пётр Петрович', '31.02.2014', '123', '5А'], // 9: bad date and bad СНИЛС
        ['Новиков Павел Олегович', '08.08.2014', null, '5А'], // 10: the same student twice
        ['Иванов', '01.01.2014', null, '5А'], // 11: no first name
      ],
    });
    const p = await previewStudentsImport(r.db, file);
    expect(p.layouts.map((l) => [l.sheet, l.headerRow])).toEqual([['5А', 2]]);
    expect(p.unchanged).toBe(1);
    expect(p.added).toEqual([{ sheet: '5А', row: 6, sexInferred: true,
      student: { lastName: 'Новиков', firstName: 'Павел', middleName: 'Олегович', birthDate: '2014-08-08', sex: 'М', snils: null } }]);
    expect(p.changed).toEqual([
      { sheet: '5А', row: 4, id: renamed.id, fullName: 'Смирнова Анна Петровна', changes: [{ field: 'lastName', column: 'A', from: 'Смирнова', to: 'Кузнецова' }] },
      // the journal's «Елкин Семен» does not overwrite the register's «Ёлкин Семён» (issue 16): only the СНИЛС changes
      { sheet: '5А', row: 5, id: noSnils.id, fullName: 'Ёлкин Семён Ильич', changes: [{ field: 'snils', column: 'C', from: null, to: s3 }] },
    ]);
    expect(p.notes).toEqual([{ sheet: '5А', row: 5,
      message: 'Ёлкин Семён Ильич: в реестре оставлено написание с ё — «Ёлкин» (в файле «Елкин»), «Семён» (в файле «Семен»)' }]);
    expect(p.rejected).toEqual([
      { sheet: '5А', row: 7, column: 'A', field: 'fullName', reason: 'в реестре 2 ученика с ФИО «Двойнов Иван Иванович» и датой рождения 07.07.2014: укажите СНИЛС, чтобы выбрать' },
      { sheet: '5А', row: 8, column: null, field: 'sex', reason: 'новый ученик: пол не указан и не виден по отчеству — добавьте столбец «Пол» (М/Ж)' },
      { sheet: '5А', row: 9, column: 'B', field: 'birthDate', reason: '«31.02.2014» — не дата (ожидается ДД.ММ.ГГГГ)' },
      { sheet: '5А', row: 9, column: 'C', field: 'snils', reason: 'СНИЛС — 11 цифр, например 112-233-445 95' },
      { sheet: '5А', row: 10, column: 'A', field: 'fullName', reason: 'тот же ученик уже в строке 6' },
      { sheet: '5А', row: 11, column: 'A', field: 'fullName', reason: '«Иванов» — нужны хотя бы фамилия и имя' },
    ]);

    // with rejections, a commit writes nothing unless told to take the good rows
    const before = count(r.db);
    await expect(commitAsClerk(r.db, file, {}, { kind: 'students' })).rejects.toThrow(/Отклонено ячеек: 6; ничего не записано. Первая: лист «5А», строка 7, столбец A/);
    expect(count(r.db)).toBe(before);
    await expect(commitAsClerk(r.db, file, { allowRejected: true, token: 'stale' }, { kind: 'students' })).rejects.toThrow(/изменились после предпросмотра/);

    const done = await commitAsClerk(r.db, file, { allowRejected: true, token: p.token }, { kind: 'students' });
    expect([done.added, done.changed, done.unchanged, done.rejected]).toEqual([1, 2, 1, 5]);
    expect(count(r.db)).toBe(before + 1);
    const orlova = r.db.prepare('SELECT count(*) AS n FROM guardians WHERE student_id = ?').get(kept.id) as { n: number };
    expect(orlova.n).toBe(1);
    expect(r.db.prepare('SELECT last_name, first_name, snils FROM students WHERE id = ?').get(noSnils.id)).toEqual({ last_name: 'Ёлкин', first_name: 'Семён', snils: s3 });

    // the same file again: nothing to add or change
    const again = await previewStudentsImport(r.db, file);
    expect([again.added.length, again.changed.length, again.unchanged]).toEqual([0, 0, 4]);
    const dump = () => JSON.stringify(r.db.prepare('SELECT * FROM students ORDER BY id').all());
    const snapshot = dump();
    await commitAsClerk(r.db, file, { allowRejected: true }, { kind: 'students' });
    expect(dump()).toBe(snapshot);
    r.close();
  });

  it('commit is one transaction: a failure on the last row leaves nothing of the first', async () => {
    const r = register();
    const s1 = snils('445566778');
    const file = await writeBook(r.dir, 'two.xlsx', { 'Лист1': [['Фамилия', 'Имя', 'Отчество', 'Дата рождения', 'Пол', 'СНИЛС'],
      ['Новиков', 'Павел', 'Олегович', '08.08.2014', 'м', null], ['Петрова', 'Анна', null, '09.09.2014', 'ж', s1]] });
    const p = await previewStudentsImport(r.db, file);
    expect(p.added.map((a) => a.student.lastName)).toEqual(['Новиков', 'Петрова']);
    // someone takes Petrova's СНИЛС between the preview and the commit: the whole commit is refused
    createStudent(r.db, { lastName: 'Другая', firstName: 'Ольга', birthDate: '2013-01-01', sex: 'Ж', snils: s1 });
    expect(() => applyStudentsImport(r.db, p)).toThrow(/Лист «Лист1», строка 3: СНИЛС уже записан у ученика Другая Ольга; ничего не записано/);
    expect(count(r.db)).toBe(1);
    r.close();
  });
});
