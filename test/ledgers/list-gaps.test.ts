// Issue 19: «Ведомости» (ledgers.list) counts each class's gaps for the whole year in one statement instead of building
// every class's ledger. Its answer must stay what it was: here it is compared, class by class and year by year, with
// the old way (buildLedger + ledgerGaps for each class) on a generated register — a year marked to a day in March
// (quarters over, one under way, no annual marks), whole years with н/а, transfers and departures within a year,
// sealed classes and one under correction, cells emptied and marked н/а by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../main/demo/generate.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { buildLedger, ledgerGaps } from '../../main/ledgers/build.ts';
import { currentVersion, openCorrectionOf } from '../../main/ledgers/versions.ts';
import { verificationCode } from '../../main/ledgers/model.ts';
import type { DB } from '../../db/connection.ts';
import { adminClient, type Client } from '../helpers/register.ts';

let c: Client;
const db = () => c.backend.db as DB;

/** ledgers.list as it was before issue 19's change: every class's ledger built and its gaps counted. */
function listByBuildingEach(yearId: number) {
  const classes = db().prepare('SELECT id, parallel || letter AS name FROM classes WHERE year_id = ? ORDER BY parallel, letter').all(yearId) as Array<{ id: number; name: string }>;
  return classes.map((cl) => {
    const v = currentVersion(db(), cl.id);
    const gaps = ledgerGaps(buildLedger(db(), cl.id));
    const correction = !!openCorrectionOf(db(), cl.id);
    return {
      classId: cl.id, className: cl.name, state: !v ? 'draft' : correction ? 'correction' : 'sealed', version: v?.version ?? null,
      code: v ? verificationCode(v.sha256, v.version) : null, missing: gaps.filter((g) => !g.na).length, na: gaps.filter((g) => g.na).length,
    };
  });
}

const yearId = (name: string) => db().prepare('SELECT id FROM academic_years WHERE name = ?').pluck().get(name) as number;

beforeAll(async () => {
  c = await adminClient();
  await generateDemo(c.backend.db, { students: 1200, seed: 11, today: '2027-03-15', currentYearMarks: 'to-today' }, progressTo());
  // The last year gone by: two classes sealed (one reopened by a correction), some cells emptied, some made н/а.
  const last = yearId('2025/2026');
  const classes = db().prepare('SELECT id FROM classes WHERE year_id = ? ORDER BY parallel, letter').pluck().all(last) as number[];
  await c.call('ledgers.seal', { classId: classes[3], allowNa: true });
  await c.call('ledgers.seal', { classId: classes[5], allowNa: true });
  await c.call('ledgers.correct', { classId: classes[5], reason: 'Ошибка в годовой', orderNumber: '7-к', orderDate: '2026-06-20' });
  for (const [i, cl] of classes.slice(8, 14).entries()) {
    const rows = db().prepare('SELECT rowid FROM subject_marks WHERE class_id = ? ORDER BY rowid LIMIT 3').pluck().all(cl) as number[];
    const cols = ['p1', 'annual', 'final', 'p2', 'exam', 'p3'];
    for (const r of rows) db().prepare(`UPDATE subject_marks SET ${cols[i]} = ${i % 2 ? "'н/а'" : 'NULL'} WHERE rowid = ? AND ${cols[i]} IS NOT NULL`).run(r);
  }
}, 300_000);
afterAll(() => c.backend.close());

describe('ledgers.list counts the gaps of a year as building each ledger did', () => {
  it('every year of the register: the same rows, states, codes and counts', async () => {
    const years = db().prepare('SELECT id, name FROM academic_years ORDER BY start_date').all() as Array<{ id: number; name: string }>;
    expect(years.length).toBeGreaterThanOrEqual(2); // the last year gone by and the current one
    let classes = 0, missing = 0, na = 0;
    for (const y of years) {
      const now = await c.call('ledgers.list', { yearId: y.id });
      expect(now, y.name).toEqual(listByBuildingEach(y.id));
      classes += now.length;
      for (const r of now) { missing += r.missing; na += r.na; }
    }
    // the comparison saw every kind of answer: gaps, н/а, sealed and corrected classes
    expect(classes).toBeGreaterThan(50);
    expect(missing).toBeGreaterThan(0);
    expect(na).toBeGreaterThan(0);
    const last = await c.call('ledgers.list', { yearId: yearId('2025/2026') });
    expect(last.map((r) => r.state)).toEqual(expect.arrayContaining(['sealed', 'correction', 'draft']));
    const current = await c.call('ledgers.list', { yearId: yearId('2026/2027') });
    expect(current.some((r) => r.missing > 0 && r.missing < 1000)).toBe(true);
  }, 300_000);

  it('a year that is not there is refused as before', async () => {
    const r = await c.raw('ledgers.list', { yearId: 999_999 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('not_found');
  });
});
