// The blank layouts as data (issue 17): each edition found by its year, every field inside the sheet and clear of the
// others, the appendix's table inside its half; and the appendix's order of subjects.
import { describe, expect, it } from 'vitest';
import { BLANK_LAYOUTS, layoutFor, subjectRank } from '../../main/attestats/layouts.ts';

type Box = { id: string; x: number; y: number; w: number; h: number };
const boxes = (l: (typeof BLANK_LAYOUTS)[number]): Box[] => [
  ...l.fields.map((f) => ({ id: f.id, x: f.x, y: f.y, w: f.width, h: (f.lines?.step ?? f.fontSize * 0.353 * 1.2) * (f.lines?.max ?? 1) })),
  ...(l.subjects ? [{ id: 'subjects', x: l.subjects.nameX, y: l.subjects.y, w: l.subjects.markX + l.subjects.markWidth - l.subjects.nameX, h: l.subjects.rows * l.subjects.step }] : []),
  ...(l.qr ? [{ id: 'qr', x: l.qr.x, y: l.qr.y, w: l.qr.size, h: l.qr.size }] : []),
];
const overlap = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe('blank layouts', () => {
  it('a layout for each part and grade of a year since 2020/2021, none before', () => {
    for (const part of ['attestat', 'appendix'] as const) {
      for (const grade of [9, 11]) {
        expect(layoutFor(part, grade, '2025/2026')).toMatchObject({ part, grade });
        expect(layoutFor(part, grade, '2019/2020')).toBeNull();
      }
    }
    expect(new Set(BLANK_LAYOUTS.map((l) => l.id)).size).toBe(BLANK_LAYOUTS.length);
  });

  it('the title «с отличием» is a layout of its own id with the ordinary title\'s fields in the same places; the appendix is one for both', () => {
    for (const grade of [9, 11]) {
      const plain = layoutFor('attestat', grade, '2025/2026', false)!;
      const honours = layoutFor('attestat', grade, '2025/2026', true)!;
      expect([plain.id, honours.id]).toEqual([`attestat-${grade}-2020`, `attestat-${grade}-honours-2020`]);
      expect(honours).toMatchObject({ part: 'attestat', grade, honours: true });
      expect(honours.title).toContain('с отличием');
      expect(honours.fields).toEqual(plain.fields);
      expect(honours.page).toEqual(plain.page);
      expect(layoutFor('appendix', grade, '2025/2026', true)).toBe(layoutFor('appendix', grade, '2025/2026', false));
      expect(layoutFor('attestat', grade, '2019/2020', true)).toBeNull();
    }
  });

  it('every field lies inside the sheet, 5 mm from its edges, and no two overlap', () => {
    for (const l of BLANK_LAYOUTS) {
      const b = boxes(l);
      for (const x of b) {
        expect(x.x, `${l.id} ${x.id}`).toBeGreaterThanOrEqual(5);
        expect(x.y, `${l.id} ${x.id}`).toBeGreaterThanOrEqual(5);
        expect(x.x + x.w, `${l.id} ${x.id}`).toBeLessThanOrEqual(l.page.width - 5);
        expect(x.y + x.h, `${l.id} ${x.id}`).toBeLessThanOrEqual(l.page.height - 5);
      }
      // the appendix has room for the QR code of its verification code (15 mm and more: read by a phone from the paper)
      if (l.part === 'appendix') expect(l.qr?.size ?? 0, l.id).toBeGreaterThanOrEqual(15);
      // the elective courses' section is rows of the appendix's table: its heading starts inside the table
      if (l.part === 'appendix') {
        const t = l.subjects!;
        expect(t.electives, l.id).toBeDefined();
        expect(t.electives!.headingX, l.id).toBeGreaterThanOrEqual(t.nameX);
        expect(t.electives!.headingX, l.id).toBeLessThan(t.markX);
      }
      for (let i = 0; i < b.length; i++) for (let j = i + 1; j < b.length; j++) expect(overlap(b[i], b[j]), `${l.id}: ${b[i].id} × ${b[j].id}`).toBe(false);
    }
  });

  it('subjects go in the curriculum\'s order, by a name\'s beginning; others after', () => {
    const names = ['Физика', 'Алгебра', 'Русский язык', 'Астрономия', 'Иностранный язык (английский)', 'Литература'];
    expect([...names].sort((a, b) => subjectRank(a) - subjectRank(b) || a.localeCompare(b, 'ru')))
      .toEqual(['Русский язык', 'Литература', 'Иностранный язык (английский)', 'Алгебра', 'Физика', 'Астрономия']);
  });
});
