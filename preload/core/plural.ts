// Numbers agree with their nouns: «1 класс», «2 класса», «5 классов», «21 предмет», «111 учеников». The one rule, for
// every screen and every line the command line prints.

/** Russian plural: plural(5, 'ученик', 'ученика', 'учеников') → 'учеников' (one, few, many). */
export function plural(n: number, one: string, few: string, many: string): string {
  const a = Math.abs(Math.trunc(n)) % 100;
  const b = a % 10;
  if (a > 10 && a < 20) return many;
  if (b === 1) return one;
  if (b >= 2 && b <= 4) return few;
  return many;
}

/** The number with its noun: count(63, 'класс', 'класса', 'классов') → '63 класса'. */
export const count = (n: number, one: string, few: string, many: string): string => `${n} ${plural(n, one, few, many)}`;
