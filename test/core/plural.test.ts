// One plural rule for every count the clerk reads (preload/core/plural.ts), its screens' words included.
import { describe, expect, it } from 'vitest';
import { count, plural } from '../../preload/core/plural.ts';

const forms = ['класс', 'класса', 'классов'] as const;
const expected: Array<[number, string]> = [
  [0, 'классов'], [1, 'класс'], [2, 'класса'], [5, 'классов'], [11, 'классов'], [12, 'классов'], [14, 'классов'],
  [21, 'класс'], [22, 'класса'], [25, 'классов'], [101, 'класс'], [111, 'классов'],
];

describe('plural', () => {
  it('agrees the noun with the number: one, few, many, and the teens', () => {
    for (const [n, word] of expected) expect(plural(n, ...forms), String(n)).toBe(word);
    expect(count(63, ...forms)).toBe('63 класса');
    expect(count(21, 'предмет', 'предмета', 'предметов')).toBe('21 предмет');
    expect(count(5, 'ученик', 'ученика', 'учеников')).toBe('5 учеников');
    expect(count(112, 'ученик', 'ученика', 'учеников')).toBe('112 учеников');
  });
});
