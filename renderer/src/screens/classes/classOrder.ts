import type { SchoolClass } from '../../../../preload/contract';

/** 1 «А», 1 «Б», …, 2 «А» — parallel, then letter. */
export function compareClasses(a: SchoolClass, b: SchoolClass): number {
  return a.parallel - b.parallel || a.letter.localeCompare(b.letter, 'ru');
}

/** Classes grouped by academic year, newest year first, each year in class order. */
export function byYear(classes: SchoolClass[]): Array<[string, SchoolClass[]]> {
  const groups = new Map<string, SchoolClass[]>();
  for (const c of classes) groups.set(c.yearName, [...(groups.get(c.yearName) ?? []), c]);
  return [...groups.entries()]
    .sort(([a], [b]) => b.localeCompare(a))
    .map(([year, list]) => [year, list.sort(compareClasses)]);
}
