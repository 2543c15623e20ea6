// The справка об обучении as a clerk reads it (issue 16), checked with pdftotext: the words agree with the student's
// sex, a year without marks is a sentence, and the director's signature never stands alone on a page — whatever the
// number of rows, the page with the signature also holds the last rows of marks.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CertificateOfStudyData, StudyYear } from '../../main/printouts/data.ts';
import { renderCertificateOfStudy } from '../../main/printouts/documents.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-cert-layout-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const school = { fullName: 'ГБОУ «Школа № 1535»', shortName: 'ГБОУ Школа № 1535', inn: '7707083893', kpp: '770701001', ogrn: '1027700132195',
  address: 'Москва, ул. Усачёва, д. 50', director: 'Смирнова Елена Викторовна' };
const quarters = [1, 2, 3, 4].map((n) => ({ key: `q${n}`, label: `${n} четв.` }));
const year = (name: string, subjects: number, marks = true): StudyYear => ({
  year: name, classes: ['5А'], periods: quarters, hasExams: false,
  subjects: Array.from({ length: subjects }, (_, i) => ({
    name: `Предмет ${String(i + 1).padStart(2, '0')}`,
    periods: Object.fromEntries(quarters.map((q) => [q.key, marks ? '5' : null])), annual: marks ? '5' : null, exam: null, final: marks ? '5' : null,
  })),
});
const data = (over: Partial<CertificateOfStudyData> & { sex?: 'М' | 'Ж' } = {}): CertificateOfStudyData => ({
  format: 'school-register/certificate-of-study@2', school, kind: 'study',
  student: { id: 'x', fullName: over.sex === 'Ж' ? 'Орлова Анна Игоревна' : 'Иванов Пётр Сергеевич', birthDate: '2014-04-01', sex: over.sex ?? 'М', bookNumber: 'И-1' },
  enrolledOn: '2020-09-01', departedOn: null, departureReason: null, years: [year('2025/2026', 8)], ...over,
});

async function pdfText(d: CertificateOfStudyData, name: string): Promise<{ pages: string[] }> {
  const file = path.join(dir, `${name}.pdf`);
  fs.writeFileSync(file, await renderCertificateOfStudy(d, null, '2026-06-01T00:00:00Z'));
  const n = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);
  const pages = Array.from({ length: n }, (_, i) => execFileSync('pdftotext', ['-layout', '-f', String(i + 1), '-l', String(i + 1), file, '-'], { encoding: 'utf8' })
    .replace(/\s+/g, ' '));
  return { pages };
}

describe('справка об обучении: words and layout', () => {
  it('a boy: «он обучается … получил»; a girl who left: «она обучалась … получила»; never «он(а)»', async () => {
    const boy = (await pdfText(data(), 'boy')).pages.join(' ');
    expect(boy).toContain('в том, что он обучается в ГБОУ Школа № 1535');
    expect(boy).toContain('и получил следующие отметки:');
    const girl = (await pdfText(data({ sex: 'Ж', kind: 'period', departedOn: '2026-03-02', departureReason: 'Перевод' }), 'girl')).pages.join(' ');
    expect(girl).toContain('в том, что она обучалась в ГБОУ Школа № 1535');
    expect(girl).toContain('и получила следующие отметки:');
    for (const t of [boy, girl]) expect(t).not.toMatch(/\(а\)|\(ась\)/);
  });

  it('a year with no marks prints a sentence, not a table of dashes', async () => {
    const t = (await pdfText(data({ years: [year('2024/2025', 6, false), year('2025/2026', 6)] }), 'empty-year')).pages.join(' ');
    expect(t).toContain('2024/2025 учебный год, класс 5А');
    expect(t).toContain('Оценок за 2024/2025 учебный год нет.');
    expect(t).not.toMatch(/Предмет 01 — — — —/);
    expect(t).toMatch(/Предмет 01 5 5 5 5 5 5/); // the year with marks is still a table
    const none = (await pdfText(data({ years: [year('2025/2026', 6, false)] }), 'no-marks')).pages.join(' ');
    expect(none).toContain('Оценок за 2025/2026 учебный год нет.');
    expect(none).not.toContain('следующие отметки');
  });

  it('the director\'s signature is never alone on a page, for every length of the table around a page break', async () => {
    let multiPage = 0;
    for (let n = 28; n <= 44; n++) {
      const { pages } = await pdfText(data({ years: [year('2025/2026', n)] }), `rows-${n}`);
      const last = pages[pages.length - 1];
      expect(last, `${n} rows: the signature is on the last page`).toContain('Директор Смирнова Елена Викторовна');
      expect(last, `${n} rows: the last page also holds rows of marks`).toMatch(/Предмет \d\d 5 5 5 5 5 5/);
      expect(pages.join(' '), `${n} rows: every row printed`).toContain(`Предмет ${String(n).padStart(2, '0')} 5 5 5 5 5 5`);
      if (pages.length > 1) multiPage++;
    }
    expect(multiPage).toBeGreaterThan(5);
  });
});
