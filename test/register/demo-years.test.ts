// The demo school as a school has it on a given day (issue 16): the previous year closed and complete — sealed by the
// normal year-end close, every class — and the current year marked up to today's period: on 04.12 the 1st quarter
// whole, the 2nd in part, nothing after today, no annual marks yet. Over the real dispatcher on a real register file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../main/demo/generate.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { count } from '../helpers/db.ts';
import { adminClient, type Client } from '../helpers/register.ts';
import { waitJob } from '../packets/fixtures.ts';

const TODAY = '2026-12-04';
let c: Client;
const yearId = (name: string) => c.backend.db.prepare('SELECT id FROM academic_years WHERE name = ?').pluck().get(name) as number;
beforeAll(async () => {
  c = await adminClient();
  await generateDemo(c.backend.db, { students: 150, seed: 3, today: TODAY, currentYearMarks: 'to-today' }, progressTo());
}, 120_000);
afterAll(() => c.backend.close());

describe('the demo on 04.12.2026', () => {
  it('the current year 2026/2027: periods over are marked whole, the one under way in part, none after today, no annual marks', () => {
    const cy = yearId('2026/2027');
    const db = c.backend.db;
    // no mark and no absence in a period that has not begun
    expect(count(db, 'marks m JOIN periods p ON p.id = m.period_id', `m.year_id = ${cy} AND p.start_date > '${TODAY}'`)).toBe(0);
    expect(count(db, 'attendance a JOIN periods p ON p.id = a.period_id', `p.year_id = ${cy} AND p.start_date > '${TODAY}'`)).toBe(0);
    expect(count(db, 'marks', `year_id = ${cy} AND slot IN ('annual', 'exam', 'final')`)).toBe(0);
    // the 1st quarter (over on 24.10): a mark for every student still in the class and every subject of its curriculum
    const q = (number: number) => db.prepare("SELECT id FROM periods WHERE year_id = ? AND kind = 'quarter' AND number = ?").pluck().get(cy, number) as number;
    const cells = db.prepare(`SELECT sum((SELECT count(*) FROM curriculum WHERE class_id = c.id) *
        (SELECT count(*) FROM class_memberships WHERE class_id = c.id AND end_date IS NULL)) FROM classes c
      JOIN year_grade_periods g ON g.year_id = c.year_id AND g.grade = c.parallel AND g.kind = 'quarter' WHERE c.year_id = ?`).pluck().get(cy) as number;
    expect(cells).toBeGreaterThan(100);
    expect(count(db, 'marks', `period_id = ${q(1)}`)).toBe(cells);
    // the 2nd (03.11–28.12), under way: in part
    const q2 = count(db, 'marks', `period_id = ${q(2)}`);
    expect(q2).toBeGreaterThan(cells * 0.2);
    expect(q2).toBeLessThan(cells * 0.8);
    expect(count(db, 'marks', `period_id = ${q(3)}`)).toBe(0);
  });

  it('the previous year 2025/2026 is complete and the normal year-end close seals every class of it', async () => {
    const prev = yearId('2025/2026');
    const list = await c.call('ledgers.list', { yearId: prev });
    expect(list.length).toBeGreaterThan(5);
    expect(list.filter((l) => l.missing > 0)).toEqual([]);
    const job = await waitJob(c, (await c.call('ledgers.closeYear', { yearId: prev, allowNa: true })).jobId);
    expect(job.state).toBe('done');
    const r = job.result as { sealed: unknown[]; skipped: unknown[] };
    expect(r.skipped).toEqual([]);
    expect(r.sealed).toHaveLength(list.length);
    expect((await c.call('ledgers.list', { yearId: prev })).every((l) => l.state === 'sealed')).toBe(true);
  }, 180_000);
});
