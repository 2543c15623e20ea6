// SQL expressions for the identifier checksums, so that the schema itself refuses a bad СНИЛС,
// ИНН or ОГРН (the TypeScript twins are in preload/core/identifiers.ts; a test keeps them in step).

const d = (col: string, i: number) => `CAST(substr(${col}, ${i}, 1) AS INTEGER)`;
const weighted = (col: string, weights: number[]) => weights.map((w, i) => `${w} * ${d(col, i + 1)}`).join(' + ');

/** True when col is NULL or a valid 11-digit СНИЛС. */
export function snillsSql(col: string): string {
  return `(${col} IS NULL OR (length(${col}) = 11 AND ${col} NOT GLOB '*[^0-9]*' AND (
    CAST(substr(${col}, 1, 9) AS INTEGER) <= 1001998 OR
    ((${weighted(col, [9, 8, 7, 6, 5, 4, 3, 2, 1])}) % 101) % 100 = CAST(substr(${col}, 10, 2) AS INTEGER))))`;
}

/** True when col is NULL or not a body of nine zeros (000-000-000 00 is no СНИЛС; added by migration 0013 as a trigger,
 *  so together with snillsSql it is the whole rule of snilsCheck in preload/core/identifiers.ts). */
export const snilsNotZeroSql = (col: string) => `(${col} IS NULL OR substr(${col}, 1, 9) <> '000000000')`;

export function innSql(col: string): string {
  return `(length(${col}) = 10 AND ${col} NOT GLOB '*[^0-9]*' AND
    ((${weighted(col, [2, 4, 10, 3, 5, 9, 4, 6, 8])}) % 11) % 10 = ${d(col, 10)})`;
}

export function ogrnSql(col: string): string {
  return `(length(${col}) = 13 AND ${col} NOT GLOB '*[^0-9]*' AND
    (CAST(substr(${col}, 1, 12) AS INTEGER) % 11) % 10 = ${d(col, 13)})`;
}

/** NULL or a real calendar date in ISO form. */
export function dateSql(col: string, nullable = true): string {
  const check = `(length(${col}) = 10 AND date(${col}) IS ${col})`;
  return nullable ? `(${col} IS NULL OR ${check})` : check;
}

export const nonEmpty = (col: string) => `(length(trim(${col})) > 0)`;

/** The school year a date falls in, by its first calendar year: from August on, the year starting that autumn
 *  (the SQL twin of currentYearStart in preload/core/dates.ts). */
export const schoolYearSql = (col: string) => `(CAST(substr(${col}, 1, 4) AS INTEGER) - (substr(${col}, 6, 2) < '08'))`;
