// LedgerData built by hand for the printout tests: no database, no buildLedger, so the printouts are tested on
// their own. Deterministic: the same options give the same data.
import type { LedgerColumnStats, LedgerData, LedgerPeriod, LedgerStamp, LedgerStudent, LedgerSubject } from '../../main/ledgers/model.ts';
import { verificationCode } from '../../main/ledgers/model.ts';

const SUBJECTS: Array<[string, string]> = [
  ['Русский язык', 'Рус. яз.'], ['Литература', 'Лит.'], ['Иностранный язык (английский)', 'Англ. яз.'],
  ['Алгебра', 'Алгебра'], ['Геометрия', 'Геом.'], ['Вероятность и статистика', 'Вер. и стат.'],
  ['Информатика', 'Информ.'], ['История', 'История'], ['Обществознание', 'Общество.'], ['География', 'Геогр.'],
  ['Биология', 'Биол.'], ['Физика', 'Физика'], ['Химия', 'Химия'], ['Изобразительное искусство', 'ИЗО'],
  ['Музыка', 'Музыка'], ['Труд (технология)', 'Труд'], ['Физическая культура', 'Физ-ра'],
  ['Основы безопасности и защиты Родины', 'ОБЗР'], ['Родной язык (русский)', 'Родн. яз.'], ['Второй иностранный язык (немецкий)', 'Нем. яз.'],
];

const LAST = ['Иванов', 'Петрова', 'Сидоренко', 'Кузнецова', 'Смирнов', 'Ёлкина', 'Константинопольский', 'Щербакова', 'Жуков', 'Эйдельман',
  'Соколов', 'Михайлова', 'Новиков', 'Фёдорова', 'Морозов', 'Волкова', 'Алексеев', 'Лебедева', 'Семёнов', 'Егорова',
  'Павлов', 'Козлова', 'Степанов', 'Николаева', 'Орлов', 'Андреева', 'Макаров', 'Захарова', 'Зайцев', 'Соловьёва',
  'Борисов', 'Яковлева', 'Григорьев', 'Романова', 'Воробьёв', 'Сергеева', 'Кузьмин', 'Фролова', 'Александров', 'Дмитриева'];
const FIRST_M = ['Александр', 'Дмитрий', 'Максим', 'Артём', 'Иван', 'Михаил'];
const FIRST_F = ['Анастасия', 'Мария', 'Дарья', 'Анна', 'Елизавета', 'Полина'];
const MID_M = ['Александрович', 'Сергеевич', 'Владимирович', 'Игоревич'];
const MID_F = ['Александровна', 'Сергеевна', 'Владимировна', 'Игоревна'];

export type FixtureOptions = { subjects?: number; students?: number; periods?: 'quarter' | 'half'; className?: string; withExams?: boolean };

function periodsOf(kind: 'quarter' | 'half'): LedgerPeriod[] {
  return kind === 'quarter'
    ? [1, 2, 3, 4].map((n) => ({ key: `q${n}`, kind: 'quarter' as const, number: n, label: `${n} четв.` }))
    : [1, 2].map((n) => ({ key: `h${n}`, kind: 'half' as const, number: n, label: `${n} полуг.` }));
}

/** A class ledger: `students` × `subjects`, marks from a fixed pattern with some н/а, a 2 and a student who left. */
export function ledgerFixture(opts: FixtureOptions = {}): LedgerData {
  const nSubjects = opts.subjects ?? 8;
  const nStudents = opts.students ?? 12;
  const periods = periodsOf(opts.periods ?? 'quarter');
  const withExams = opts.withExams ?? true;
  const subjects: LedgerSubject[] = SUBJECTS.slice(0, nSubjects).map(([name, shortName], i) => ({
    name, shortName, hasExam: withExams && (i === 0 || i === 3),
  }));
  if (nSubjects > SUBJECTS.length) throw new Error(`at most ${SUBJECTS.length} subjects`);
  const names: string[] = [];
  for (let i = 0; i < nStudents; i++) {
    const last = LAST[i % LAST.length] + (i >= LAST.length ? `-${Math.floor(i / LAST.length) + 1}` : '');
    const female = /(ова|ева|ёва|ина|кая|ая)$/.test(LAST[i % LAST.length]) || LAST[i % LAST.length].endsWith('а');
    names.push(`${last} ${(female ? FIRST_F : FIRST_M)[i % 6]} ${(female ? MID_F : MID_M)[i % 4]}`);
  }
  names.sort((a, b) => a.localeCompare(b, 'ru'));
  const students: LedgerStudent[] = names.map((fullName, i) => {
    const marks: LedgerStudent['marks'] = {};
    subjects.forEach((s, j) => {
      const base = 5 - ((i * 7 + j * 3) % 4 === 0 ? 2 : (i + j) % 3); // 3, 4, 5 mostly, some 3s
      const pm = (k: number) => String(Math.max(2, Math.min(5, base + ((k + i + j) % 3 === 0 ? -1 : 0))));
      const per: Record<string, string | null> = {};
      periods.forEach((p, k) => { per[p.key] = pm(k); });
      let annual: string | null = String(base);
      if (i === 4 && j === 2) annual = '2';
      if (i === 5 && j === 1) annual = 'н/а';
      if (s.name === 'Изобразительное искусство' || s.name === 'Музыка') { annual = 'зч'; periods.forEach((p) => { per[p.key] = 'зч'; }); }
      const exam = s.hasExam ? String(Math.max(3, base - (i % 2))) : null;
      marks[s.name] = { periods: per, annual, exam, final: annual };
    });
    return {
      n: i + 1,
      id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      bookNumber: i === 3 ? null : `${fullName[0]}-${10 + i}`,
      fullName,
      marks,
      missed: { total: (i * 13) % 57, excused: ((i * 13) % 57) - ((i * 5) % 9 > ((i * 13) % 57) ? 0 : (i * 5) % 9) },
      left: i === nStudents - 1 && nStudents > 3 ? { date: '2026-02-12', kind: 'transfer' } : null,
    };
  });
  const stats: Record<string, LedgerColumnStats> = {};
  const counted = students.filter((s) => !s.left);
  for (const s of subjects) {
    const counts = { '5': 0, '4': 0, '3': 0, '2': 0, 'н/а': 0 };
    for (const st of counted) {
      const m = st.marks[s.name].final;
      if (m && m in counts) counts[m as keyof typeof counts]++;
    }
    const graded = counts['5'] + counts['4'] + counts['3'] + counts['2'] + counts['н/а'];
    stats[s.name] = {
      counts,
      progress: graded ? Math.round(((counts['5'] + counts['4'] + counts['3']) / graded) * 1000) / 10 : null,
      quality: graded ? Math.round(((counts['5'] + counts['4']) / graded) * 1000) / 10 : null,
    };
  }
  const finals = (st: LedgerStudent) => subjects.map((s) => st.marks[s.name].final).filter((m): m is string => !!m && /^[2-5]$|^н\/а$/.test(m));
  return {
    format: 'school-register/ledger@1',
    school: {
      fullName: 'Государственное бюджетное общеобразовательное учреждение города Москвы «Школа № 1234 имени А. С. Пушкина»',
      shortName: 'ГБОУ Школа № 1234',
      inn: '7701234564', kpp: '770101001', ogrn: '1027700132195',
      address: '123456, г. Москва, ул. Садовая-Кудринская, д. 1, стр. 2',
      director: 'Белоусова Ирина Геннадьевна',
      regionCode: '77',
    },
    year: '2025/2026',
    class: { name: opts.className ?? '9А', parallel: 9, letter: 'А', level: 'ООО', adapted: false, shift: 1 },
    homeroomTeacher: 'Ковалёва Татьяна Викторовна',
    periods,
    subjects,
    students,
    stats,
    totals: {
      students: counted.length,
      allFive: counted.filter((st) => finals(st).every((m) => m === '5')).length,
      fourAndFive: counted.filter((st) => finals(st).every((m) => m === '5' || m === '4') && finals(st).some((m) => m === '4')).length,
      withTwoOrNa: counted.filter((st) => finals(st).some((m) => m === '2' || m === 'н/а')).length,
    },
  };
}

export function stampFixture(version = 1): LedgerStamp {
  const sha256 = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
  return { code: verificationCode(sha256, version), version, sha256, sealedAt: '2026-06-20T09:30:00.000Z', signer: 'CN=Белоусова Ирина Геннадьевна' };
}
