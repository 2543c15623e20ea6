// The rules of the filling order for final marks (итоговые отметки) and «с отличием», as data per academic year.
//
// Source: Порядок заполнения, учёта и выдачи аттестатов об основном общем и среднем общем образовании и их дубликатов,
// приказ Минпросвещения России от 05.10.2020 № 546 (as amended). What we could check of its text (public pages quoting
// the order and its predecessors, № 115 of 14.02.2014 as amended by № 315 of 17.12.2018, whose rules № 546 keeps):
//  - 9th grade: the final mark in Russian, mathematics and the two subjects taken at the ГИА by choice is the arithmetic
//    mean of the annual and the exam mark, in whole numbers by mathematical rounding (3,5 → 4; 4,5 → 5); the other
//    subjects: the annual mark;
//  - 11th grade: the arithmetic mean of the half-year and annual marks of each year of the СОО programme (10th, 11th),
//    in whole numbers by mathematical rounding;
//  - «с отличием», 9th: «отлично» in every final mark of the curriculum and the ГИА passed (the minimum points of each
//    subject, a retake not counted); 11th: «отлично» in every final mark, the ГИА passed without a retake, and at the
//    ЕГЭ at least 70 points in Russian and in profile mathematics, or 5 in base mathematics; at the ГВЭ, 5 in both.
// A subject without a 5-point mark (зачёт) gets «зачтено»; a student exempted (освобождён) gets that entry — neither
// counts for or against «с отличием». We did not find the primary text of № 546 itself in our sources; a clerk who finds
// a difference changes the rule set below, not the code that applies it.
//
// Why data in the code and not a table: a rule set is law, the same for every school, changed by a new order and
// shipped with a release; a table would let one register drift from the law with no trace of which text it follows.
// Each set has an id and the academic years it applies to; every computation names the set it used (the preview shows
// it, applyFinals takes it as an argument — so the audit entry records it — and refuses a set that is no longer the
// one for the class's year). A future amendment is a new entry here with `from` its first year, never an edit of an
// entry already used.

export type RoundingRule = 'half-up';

export type RuleSet = {
  id: string;
  title: string;
  /** the first and last academic year ("2025/2026") the set applies to; `to` null: until a new set replaces it */
  from: string;
  to: string | null;
  grade9: {
    /** subjects whose final is the mean of the annual and the exam mark: each group is one subject, by any of its names */
    examRequired: string[][];
    /** how many more exam subjects each student takes by choice */
    examByChoice: number;
  };
  grade11: {
    /** the marks whose mean is the final, for each year of the programme */
    years: number[];
    periodKind: 'half';
  };
  rounding: RoundingRule;
  honours: {
    grade9: { allFive: true; examsPassed: true };
    grade11: {
      allFive: true;
      /** each condition: one of its alternatives met */
      stateExams: Array<{ label: string; anyOf: Array<{ kind: 'ЕГЭ' | 'ГВЭ'; subject: string[]; minScore?: number; minMark?: number; what: string }> }>;
    };
  };
};

export const RULE_SETS: readonly RuleSet[] = [
  {
    id: 'minpros-546-2020',
    title: 'Приказ Минпросвещения России от 05.10.2020 № 546 (в действующей редакции)',
    from: '2020/2021',
    to: null,
    grade9: { examRequired: [['русский язык'], ['математика', 'алгебра']], examByChoice: 2 },
    grade11: { years: [10, 11], periodKind: 'half' },
    rounding: 'half-up',
    honours: {
      grade9: { allFive: true, examsPassed: true },
      grade11: {
        allFive: true,
        stateExams: [
          { label: 'русский язык', anyOf: [
            { kind: 'ЕГЭ', subject: ['русский язык'], minScore: 70, what: 'ЕГЭ по русскому языку не меньше 70 баллов' },
            { kind: 'ГВЭ', subject: ['русский язык'], minMark: 5, what: 'ГВЭ по русскому языку на 5' },
          ] },
          { label: 'математика', anyOf: [
            { kind: 'ЕГЭ', subject: ['математика (профильный уровень)', 'математика профильная', 'математика (профиль)'], minScore: 70,
              what: 'ЕГЭ по математике профильного уровня не меньше 70 баллов' },
            // the register keeps an ЕГЭ result as points only; base mathematics is graded 2..5, and its 5 is kept there
            { kind: 'ЕГЭ', subject: ['математика (базовый уровень)', 'математика базовая', 'математика (база)'], minScore: 5,
              what: 'ЕГЭ по математике базового уровня на 5' },
            { kind: 'ГВЭ', subject: ['математика'], minMark: 5, what: 'ГВЭ по математике на 5' },
          ] },
        ],
      },
    },
  },
];

/** The rule set of an academic year ("2025/2026"), or null when none applies. */
export function ruleSetFor(yearName: string, sets: readonly RuleSet[] = RULE_SETS): RuleSet | null {
  return sets.find((s) => yearName >= s.from && (s.to == null || yearName <= s.to)) ?? null;
}

/** A subject's name as the rules compare it: lower case, ё as е, spaces collapsed. */
export const subjectKey = (name: string) => name.toLocaleLowerCase('ru-RU').replace(/ё/g, 'е').replace(/\s+/g, ' ').trim();

/**
 * The whole number a mean of marks is rounded to by mathematical rounding (a half goes up: 3,5 → 4, 4,5 → 5, 2,5 → 3),
 * computed on integers so no floating-point mean is ever rounded: round(sum / n) = floor((2·sum + n) / 2n).
 */
export function roundMean(sum: number, n: number): number {
  if (n <= 0) throw new Error('a mean of no marks');
  return Math.floor((2 * sum + n) / (2 * n));
}

/** The mean as a clerk reads it: «4», «4,5», «4,33». */
export function formatMean(sum: number, n: number): string {
  const v = Math.round((sum / n) * 100) / 100;
  return String(v).replace('.', ',');
}
