// СНИЛС, ИНН and ОГРН checks exist twice: in TypeScript (a message for the clerk) and in the schema (CHECK, so
// nothing can write a bad number). These tests keep the twins in step and prove the schema refuses on its own.
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { innSql, ogrnSql, snillsSql, snilsNotZeroSql } from '../../db/sql-checks.ts';
import { migrate } from '../../db/migrate.ts';
import { innCheck, normalizeSnils, ogrnCheck, snilsCheck } from '../../preload/core/identifiers.ts';
import { BAD, GOOD, count, openRaw, seeded, withSnilsControl, scratchDir, removeScratchDirs } from '../helpers/db.ts';
import { adminClient, smallSchool } from '../helpers/register.ts';

afterAll(removeScratchDirs);

const SEED = 20250901;
const N = 4000;

describe('the SQL checks and the TypeScript checks agree', () => {
  const db = new Database(':memory:');
  afterAll(() => db.close());
  const sql = (expr: string) => {
    const stmt = db.prepare(`SELECT (${expr}) AS ok FROM (SELECT ? AS v)`);
    return (v: string) => (stmt.get(v) as { ok: number | null }).ok === 1;
  };
  const snilsSqlOk = sql(`${snillsSql('v')} AND ${snilsNotZeroSql('v')}`); // 0001's CHECK and 0013's trigger
  const innSqlOk = sql(innSql('v'));
  const ogrnSqlOk = sql(ogrnSql('v'));

  it('the known numbers: valid ones pass both, a changed check digit fails both', () => {
    for (const [check, sqlOk] of [[snilsCheck, snilsSqlOk]] as const) {
      expect(check(GOOD.snilsDigits)).toBe(true);
      expect(sqlOk(GOOD.snilsDigits)).toBe(true);
      expect(check(BAD.snilsDigits)).toBe(false);
      expect(sqlOk(BAD.snilsDigits)).toBe(false);
    }
    expect([innCheck(GOOD.inn), innSqlOk(GOOD.inn), innCheck(BAD.inn), innSqlOk(BAD.inn)]).toEqual([true, true, false, false]);
    expect([ogrnCheck(GOOD.ogrn), ogrnSqlOk(GOOD.ogrn), ogrnCheck(BAD.ogrn), ogrnSqlOk(BAD.ogrn)]).toEqual([true, true, false, false]);
    // СНИЛС up to 001-001-998 were issued before the check number existed: any two digits pass.
    for (const s of ['00100199800', '00100199877', '00000000199', '00100199899']) {
      expect(snilsCheck(s), s).toBe(true);
      expect(snilsSqlOk(s), s).toBe(true);
    }
    // …but nine zeros are no number, whatever the two digits (000-000-000 00)
    for (const s of ['00000000000', '00000000001', '00000000099']) {
      expect(snilsCheck(s), s).toBe(false);
      expect(snilsSqlOk(s), s).toBe(false);
    }
    // From 001-001-999 on, the check number counts.
    expect(withSnilsControl('001001999')).toBe('00100199965');
    expect([snilsCheck('00100199965'), snilsSqlOk('00100199965'), snilsCheck('00100199900'), snilsSqlOk('00100199900')]).toEqual([true, true, false, false]);
  });

  it(`СНИЛС: ${N} random numbers (half with the right check number) — SQL, TypeScript and the official rule give the same answer`, () => {
    const r = seeded(SEED);
    let valid = 0;
    for (let i = 0; i < N; i++) {
      const body = r.next() < 0.05 ? String(r.int(0, 1002100)).padStart(9, '0') : r.digits(9);
      const s = i % 2 ? withSnilsControl(body) : body + r.digits(2);
      const official = Number(body) > 0 && (Number(body) <= 1001998 || withSnilsControl(body) === s);
      expect(snilsCheck(s), `seed ${SEED}, #${i}: ${s}`).toBe(official);
      expect(snilsSqlOk(s), `seed ${SEED}, #${i}: ${s}`).toBe(official);
      if (official) valid++;
    }
    expect(valid).toBeGreaterThan(N / 2 - 1); // both branches were exercised
    expect(valid).toBeLessThan(N);
  });

  it('СНИЛС around the 001-001-998 boundary: every check number of 001-001-990 … 001-002-010 agrees', () => {
    for (let body = 1001990; body <= 1002010; body++) {
      const b9 = String(body).padStart(9, '0');
      for (let k = 0; k < 100; k++) {
        const s = b9 + String(k).padStart(2, '0');
        const official = body <= 1001998 || withSnilsControl(b9) === s;
        expect(snilsCheck(s), s).toBe(official);
        expect(snilsSqlOk(s), s).toBe(official);
      }
    }
  });

  it(`ИНН (10 digits) and ОГРН (13 digits): ${N} random numbers each agree`, () => {
    const r = seeded(SEED + 1);
    let innValid = 0, ogrnValid = 0;
    for (let i = 0; i < N; i++) {
      let inn = r.digits(10);
      if (i % 2) {
        const w = [2, 4, 10, 3, 5, 9, 4, 6, 8];
        inn = inn.slice(0, 9) + ((w.reduce((a, wi, k) => a + wi * Number(inn[k]), 0) % 11) % 10);
      }
      expect(innSqlOk(inn), `seed ${SEED + 1}, ИНН #${i}: ${inn}`).toBe(innCheck(inn));
      if (innCheck(inn)) innValid++;
      let ogrn = r.digits(13);
      if (i % 2) ogrn = ogrn.slice(0, 12) + Number(BigInt(ogrn.slice(0, 12)) % 11n % 10n);
      expect(ogrnSqlOk(ogrn), `seed ${SEED + 1}, ОГРН #${i}: ${ogrn}`).toBe(ogrnCheck(ogrn));
      if (ogrnCheck(ogrn)) ogrnValid++;
    }
    for (const v of [innValid, ogrnValid]) {
      expect(v).toBeGreaterThanOrEqual(N / 2);
      expect(v).toBeLessThan(N);
    }
  });

  it('wrong shapes are refused by both (letters, spaces, wrong length, signs)', () => {
    const shapes = ['', ' ', '1122334459', '112233445950', '1122334459a', '112-233-445 95', '+1223344595', '1.223344595', '１１２２３３４４５９５'];
    for (const s of shapes) {
      expect(snilsSqlOk(s), `СНИЛС «${s}»`).toBe(false);
      expect(snilsCheck(s), `СНИЛС «${s}»`).toBe(false);
    }
    for (const s of ['', '770708389', '77070838930', '770708389З', ' 707083893', '-707083893']) {
      expect(innSqlOk(s), `ИНН «${s}»`).toBe(false);
      expect(innCheck(s), `ИНН «${s}»`).toBe(false);
    }
    for (const s of ['', '102770013219', '10277001321950', '102770013219O', ' 027700132195']) {
      expect(ogrnSqlOk(s), `ОГРН «${s}»`).toBe(false);
      expect(ogrnCheck(s), `ОГРН «${s}»`).toBe(false);
    }
    // The clerk's spelling is normalized before the check; the schema keeps digits only.
    expect(normalizeSnils('112-233-445 95')).toBe(GOOD.snilsDigits);
  });

  it(`the real schema (migrated) accepts exactly the СНИЛС the TypeScript check accepts — 1000 inserts`, () => {
    const reg = new Database(':memory:');
    try {
      migrate(reg);
      const r = seeded(SEED + 2);
      const ins = reg.prepare("INSERT INTO staff (last_name, first_name, snils, position) VALUES ('Петров', 'Иван', ?, 'Учитель')");
      const seen = new Set<string>();
      let accepted = 0;
      reg.exec('BEGIN');
      for (let i = 0; i < 1000; i++) {
        const body = r.digits(9);
        const s = i % 2 ? withSnilsControl(body) : body + r.digits(2);
        if (seen.has(s)) continue;
        seen.add(s);
        let ok = true;
        try {
          ins.run(s);
        } catch (e) {
          expect((e as { code: string }).code).toBe('SQLITE_CONSTRAINT_CHECK');
          ok = false;
        }
        expect(ok, `seed ${SEED + 2}, #${i}: ${s}`).toBe(snilsCheck(s));
        if (ok) accepted++;
      }
      reg.exec('ROLLBACK');
      expect(accepted).toBeGreaterThan(400);
    } finally {
      reg.close();
    }
  });
});

describe('the schema alone refuses a bad СНИЛС, ИНН or ОГРН (raw INSERT, no backend)', () => {
  let dbPath: string;
  let raw: Database.Database;
  beforeAll(async () => {
    const c = await adminClient(scratchDir());
    dbPath = c.dbPath;
    await smallSchool(c);
    c.backend.close();
    raw = openRaw(dbPath);
  });
  afterAll(() => raw?.close());

  const insStudent = (snils: string | null, id = crypto.randomUUID()) =>
    raw.prepare(`INSERT INTO students (id, last_name, first_name, search_key, birth_date, sex, snils, created_at)
      VALUES (?, 'Иванов', 'Пётр', 'иванов петр', '2014-05-01', 'М', ?, '2025-09-01T00:00:00Z')`).run(id, snils);
  const insSchool = (inn: string, ogrn: string) =>
    raw.prepare(`INSERT INTO school (id, full_name, short_name, inn, kpp, ogrn, address, director, region_code)
      VALUES (1, 'Школа', 'Школа', ?, '773601001', ?, 'Москва', 'Иванова', '77')`).run(inn, ogrn);
  const checkFailure = (fn: () => unknown) => {
    let err: (Error & { code?: string }) | undefined;
    try {
      fn();
    } catch (e) {
      err = e as Error & { code?: string };
    }
    expect(err?.code).toBe('SQLITE_CONSTRAINT_CHECK');
    expect(err?.message).toMatch(/CHECK constraint failed/);
  };

  it('student with СНИЛС 112-233-445 96', () => {
    checkFailure(() => insStudent(BAD.snilsDigits));
    checkFailure(() => insStudent('112-233-445 95')); // formatted: the schema keeps digits only
    expect(count(raw, 'students')).toBe(0);
    insStudent(GOOD.snilsDigits);
    insStudent(null);
    expect(count(raw, 'students')).toBe(2);
  });

  it('staff with a bad СНИЛС', () => {
    checkFailure(() => raw.prepare("INSERT INTO staff (last_name, first_name, snils, position) VALUES ('А', 'Б', ?, 'Учитель')").run(BAD.snilsDigits));
    expect(count(raw, 'staff', `snils = '${BAD.snilsDigits}'`)).toBe(0);
  });

  it('school with a bad ИНН, or a bad ОГРН', () => {
    checkFailure(() => insSchool(BAD.inn, GOOD.ogrn));
    checkFailure(() => insSchool(GOOD.inn, BAD.ogrn));
    checkFailure(() => insSchool('770708389', GOOD.ogrn));
    expect(count(raw, 'school')).toBe(0);
    insSchool(GOOD.inn, GOOD.ogrn);
    expect(count(raw, 'school')).toBe(1);
    checkFailure(() => raw.prepare('UPDATE school SET inn = ? WHERE id = 1').run(BAD.inn));
    checkFailure(() => raw.prepare('UPDATE school SET ogrn = ? WHERE id = 1').run(BAD.ogrn));
    expect(raw.prepare('SELECT inn, ogrn FROM school').get()).toEqual({ inn: GOOD.inn, ogrn: GOOD.ogrn });
  });
});
