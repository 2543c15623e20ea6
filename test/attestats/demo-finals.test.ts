// Final marks on the demo school (main/demo): every 9th class of the current year is computed, each final checked
// against the grid's own marks with the rule written out by hand (annual; or annual and exam by a table of means,
// rounded half up, written below — not computed by the code under test); the 11th classes, whose 10th-year marks the
// demo does not generate, are refused with every gap named, never an internal error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../main/demo/generate.ts';
import { progressTo } from '../../main/shared/jobs.ts';
import { adminClient, tempDir, type Client } from '../helpers/register.ts';

/** The final of an annual and an exam mark, by hand: (a + e) / 2 rounded half up. */
const MEAN_OF: Record<string, string> = {
  '5+5': '5', '5+4': '5', '4+5': '5', '5+3': '4', '3+5': '4', '5+2': '4', '2+5': '4',
  '4+4': '4', '4+3': '4', '3+4': '4', '4+2': '3', '2+4': '3',
  '3+3': '3', '3+2': '3', '2+3': '3', '2+2': '2',
};

let c: Client & { dbPath: string };
beforeAll(async () => {
  c = await adminClient(tempDir('sr-attestats-demo-'));
  await generateDemo(c.backend.db, { students: 600, seed: 7 }, progressTo());
}, 300_000);
afterAll(() => c.backend.close());

describe('the demo school', () => {
  it('9th classes: each final is the annual, or the half-up mean of annual and exam where an exam was taken', async () => {
    const years = await c.call('years.list', {});
    const current = [...years].sort((a, b) => a.name.localeCompare(b.name)).at(-1)!; // the demo marks its newest year
    const nines = (await c.call('classes.list', { yearId: current.id })).filter((k) => k.parallel === 9);
    expect(nines.length).toBeGreaterThan(0);
    let checked = 0, means = 0;
    for (const k of nines) {
      const p = await c.call('attestats.computeFinals', { classId: k.id });
      const g = await c.call('grades.grid', { classId: k.id });
      const mark = (st: string, su: number, col: string) => g.marks.find((m) => m.studentId === st && m.subjectId === su && m.column === col)?.mark;
      for (const s of p.students) {
        for (const f of s.finals) {
          const annual = mark(s.studentId, f.subjectId, 'annual')!;
          const exam = mark(s.studentId, f.subjectId, 'exam');
          const expected = exam && /^[2-5]$/.test(annual) ? MEAN_OF[`${annual}+${exam}`] : annual;
          expect(f.final, `${s.fullName}, ${f.subject}: ${annual} ${exam ?? ''}`).toBe(expected);
          checked++;
          if (exam) means++;
        }
        expect(s.honours.reasons.length).toBeGreaterThan(0);
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(means).toBeGreaterThan(20);
  });

  // The demo now marks the year before too (the 10th grade of today's 11th), with a few «н/а» in it as real schools have:
  // the 11th classes are refused for the 10th-year gaps, every one named.
  it('11th classes with gaps or «н/а» in their 10th- or 11th-year marks: refused, every gap named', async () => {
    const years = await c.call('years.list', {});
    const current = [...years].sort((a, b) => a.name.localeCompare(b.name)).at(-1)!; // the demo marks its newest year
    const elevens = (await c.call('classes.list', { yearId: current.id })).filter((k) => k.parallel === 11);
    for (const k of elevens) {
      const r = await c.raw('attestats.computeFinals', { classId: k.id });
      expect(r.ok).toBe(false);
      const e = (r as { ok: false; error: { code: string; message: string; rows?: Array<Record<string, string>> } }).error;
      expect(e.code).toBe('validation');
      expect(e.message).toMatch(new RegExp(`^Итоговые отметки ${k.name} за ${current.name} не вычислены: отметки класса неполны \\(\\d+\\)\\. Первое: .+, «.+», .+, 1[01] кл(асс|\\.) — (нет отметки .+|не аттестован\\(а\\) \\(«н/а»\\): итоговая отметка не выставляется, пока нет аттестации)$`));
      expect(e.rows!.length).toBeGreaterThan(0);
    }
  });
});
