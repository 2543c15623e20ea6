// The ledger's PDF on real bytes: poppler reads its text, qpdf checks its structure, pdffonts sees the embedded
// Roboto, pdftoppm renders its pages (kept under test-results/ledgers/ to look at). Data from fixtures.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { extractCodeFromPdf, renderLedgerPdf, subjectGroups } from '../../main/ledgers/pdf.ts';
// @ts-expect-error: a plain .mjs build script without type declarations
import { SRGB_ICC } from '../../build/scripts/bundle-electron.mjs';
import { pdfaProblems } from '../helpers/pdfa-check.ts';
import { ledgerFixture, stampFixture } from './fixtures.ts';

// not test/helpers/register.ts: these tests need no backend
const tempDir = (prefix = 'sr-print-') => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
const root = fileURLToPath(new URL('../..', import.meta.url));
const results = path.join(root, 'test-results', 'ledgers');

function pdfText(file: string, page?: number): string {
  const range = page ? ['-f', String(page), '-l', String(page)] : [];
  return execFileSync('pdftotext', ['-layout', ...range, file, '-'], { encoding: 'utf8' });
}
const pageCount = (file: string) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);
const info = (file: string) => execFileSync('pdfinfo', [file], { encoding: 'utf8' });

function save(name: string, bytes: Buffer): string {
  const file = path.join(tempDir(), name);
  fs.writeFileSync(file, bytes);
  return file;
}

describe('the ledger PDF, sealed (8 subjects, 12 students, quarters)', () => {
  const data = ledgerFixture({ subjects: 8, students: 12 });
  const stamp = stampFixture(2);
  let file: string;
  let bytes: Buffer;
  beforeAll(async () => {
    bytes = await renderLedgerPdf(data, stamp);
    file = save('ledger.pdf', bytes);
  });

  it('is a valid A4 landscape PDF with Roboto embedded', () => {
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const check = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
    expect(check.stdout).toContain('No syntax or stream encoding errors');
    expect(check.status).toBe(0);
    expect(info(file)).toMatch(/Page size:\s+841\.89 x 595\.28 pts \(A4\)/);
    const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' }).trim().split('\n').slice(2);
    expect(fonts.length).toBeGreaterThan(0);
    for (const line of fonts) {
      expect(line).toMatch(/Roboto/);
      // columns: name type encoding emb sub uni …
      expect(line).toMatch(/\s+yes\s+yes\s+yes\s+/);
    }
  });

  it('is PDF/A-2b by our checks (test/helpers/pdfa-check.ts)', () => {
    expect(pdfaProblems(file)).toEqual([]);
  });

  it('shows the school, its requisites, the class, year, teacher and every student and subject in Cyrillic', () => {
    const text = pdfText(file);
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('Государственное бюджетное общеобразовательное учреждение города Москвы');
    expect(flat).toContain('ИНН 7701234564');
    expect(flat).toContain('КПП 770101001');
    expect(flat).toContain('ОГРН 1027700132195');
    expect(flat).toContain('ул. Садовая-Кудринская');
    expect(flat).toContain('СВОДНАЯ ВЕДОМОСТЬ');
    expect(flat).toContain('Класс 9А');
    expect(flat).toContain('2025/2026 учебный год');
    expect(flat).toContain('Ковалёва Татьяна Викторовна');
    for (const st of data.students) expect(flat).toContain(st.fullName);
    for (const s of data.subjects) expect(flat).toContain(s.name);
    expect(flat).toContain('переведён(а) 12.02.2026');
    // the signature block
    expect(flat).toContain('Классный руководитель');
    expect(flat).toContain('Директор Белоусова Ирина Геннадьевна');
    expect(flat).toContain('подпись');
    expect(flat).toContain('М.П.');
    // statistics and class totals
    expect(flat).toContain('Успеваемость, %');
    expect(flat).toContain('Качество, %');
    expect(flat).toContain(`имеют «2» или н/а: ${data.totals.withTwoOrNa}`);
  });

  it('prints a student row with the marks in the order of the columns', () => {
    const st = data.students[0];
    const rus = st.marks['Русский язык'];
    const expected = [...data.periods.map((p) => rus.periods[p.key]), rus.annual, rus.exam, rus.final].join(' ');
    const lines = pdfText(file).split('\n').filter((l) => l.includes(st.fullName)).map((l) => l.replace(/\s+/g, ' '));
    // the summary first (final marks of every subject, then missed lessons), then the sheets by period
    const finals = data.subjects.map((s) => st.marks[s.name].final ?? st.marks[s.name].annual).join(' ');
    expect(lines[0]).toContain(`${st.fullName} ${finals} ${st.missed.total} ${st.missed.excused}`);
    expect(lines.some((l) => l.includes(`${st.fullName} ${expected}`))).toBe(true);
  });

  it('the summary\'s footer gives per subject the counts of 5/4/3/2/н/а, успеваемость and качество', () => {
    const lines = pdfText(file).split('\n').map((l) => l.replace(/\s+/g, ' ').trim());
    const row = (label: string) => lines.find((l) => l.startsWith(label))!;
    const pct = (v: number | null) => (v == null ? '—' : v.toFixed(1).replace('.', ','));
    for (const k of ['5', '4', '3', '2'] as const) {
      expect(row(`«${k}»`)).toBe(`«${k}» ${data.subjects.map((s) => data.stats[s.name].counts[k]).join(' ')}`);
    }
    expect(row('не аттестовано (н/а)')).toBe(`не аттестовано (н/а) ${data.subjects.map((s) => data.stats[s.name].counts['н/а']).join(' ')}`);
    expect(row('Успеваемость, %')).toBe(`Успеваемость, % ${data.subjects.map((s) => pct(data.stats[s.name].progress)).join(' ')}`);
    expect(row('Качество, %')).toBe(`Качество, % ${data.subjects.map((s) => pct(data.stats[s.name].quality)).join(' ')}`);
    // a 2 and an н/а in the fixture: the progress is not 100 % everywhere
    expect(data.subjects.some((s) => data.stats[s.name].progress! < 100)).toBe(true);
  });

  it('every page carries «Лист N из M» and the verification code; Info /Keywords holds SR-CODE as ASCII', () => {
    const n = pageCount(file);
    expect(n).toBeGreaterThanOrEqual(2);
    for (let p = 1; p <= n; p++) {
      const t = pdfText(file, p);
      expect(t).toContain(`Лист ${p} из ${n}`);
      expect(t).toContain(`Код проверки: ${stamp.code}`);
      expect(t).not.toContain('Черновик');
    }
    expect(info(file)).toMatch(/Keywords:\s+SR-CODE:A1B2C3D4-v2/);
    expect(bytes.toString('latin1')).toContain('(SR-CODE:A1B2C3D4-v2)');
    expect(extractCodeFromPdf(bytes)).toBe('A1B2C3D4-v2');
  });

  it('draws a QR code on every page (a vector image in the footer)', () => {
    // pdftoppm renders the footer; the QR is the one dense black square at the bottom right
    const dir = tempDir();
    execFileSync('pdftoppm', ['-r', '144', '-gray', '-x', '1480', '-y', '1060', '-W', '204', '-H', '130', file, path.join(dir, 'qr')]);
    const pages = fs.readdirSync(dir).filter((f) => f.endsWith('.pgm'));
    expect(pages).toHaveLength(pageCount(file));
    for (const pg of pages) {
      const pgm = fs.readFileSync(path.join(dir, pg));
      const pixels = pgm.subarray(pgm.length - 204 * 130);
      const dark = pixels.filter((v) => v < 128).length;
      // a QR of 40 pt (80 px here) is about half dark; an empty corner is 0
      expect(dark).toBeGreaterThan(2000);
    }
  });

  const zbar = spawnSync('which', ['zbarimg']).status === 0;
  it.skipIf(!zbar)(`the QR code on every page decodes to the code${zbar ? '' : ' (skipped: zbarimg is not installed)'}`, () => {
    const dir = tempDir();
    execFileSync('pdftoppm', ['-r', '150', '-png', file, path.join(dir, 'page')]);
    const pngs = fs.readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
    expect(pngs).toHaveLength(pageCount(file));
    for (const png of pngs) {
      const r = spawnSync('zbarimg', ['-q', '--raw', path.join(dir, png)], { encoding: 'utf8' });
      expect(r.stdout.trim(), png).toBe(stamp.code);
    }
  });

  it('renders to PNG pages that are kept to look at', () => {
    fs.mkdirSync(results, { recursive: true });
    fs.copyFileSync(file, path.join(results, 'ledger-9A-sealed.pdf'));
    execFileSync('pdftoppm', ['-r', '110', '-f', '1', '-l', '1', '-png', '-singlefile', file, path.join(results, 'ledger-9A-sealed-page1')]);
    expect(fs.statSync(path.join(results, 'ledger-9A-sealed-page1.png')).size).toBeGreaterThan(20_000);
  });
});

describe('the ledger PDF, unsealed draft', () => {
  it('says «Черновик — не заверено» on every page and carries no code', async () => {
    const bytes = await renderLedgerPdf(ledgerFixture({ subjects: 6, students: 10, periods: 'half' }), null);
    const file = save('draft.pdf', bytes);
    const n = pageCount(file);
    for (let p = 1; p <= n; p++) {
      const t = pdfText(file, p);
      expect(t).toContain('Черновик — не заверено');
      expect(t).toContain(`Лист ${p} из ${n}`);
      expect(t).not.toContain('Код проверки');
    }
    expect(info(file)).toMatch(/Keywords:\s+SR-DRAFT/);
    expect(extractCodeFromPdf(bytes)).toBeNull();
    expect(pdfText(file)).toMatch(/1 полуг\./);
  });
});

describe('20 subjects × 35 students', () => {
  const data = ledgerFixture({ subjects: 20, students: 35 });
  let file: string;
  let n: number;
  beforeAll(async () => {
    file = save('big.pdf', await renderLedgerPdf(data, stampFixture(1)));
    n = pageCount(file);
    fs.mkdirSync(results, { recursive: true });
    execFileSync('pdftoppm', ['-r', '110', '-f', '2', '-l', '2', '-png', '-singlefile', file, path.join(results, 'ledger-20x35-page2')]);
  });

  it('splits the subjects into sheets a mark stays legible on, a subject never cut in two', () => {
    const groups = subjectGroups(data);
    expect(groups.length).toBeGreaterThanOrEqual(3);
    expect(groups.flat().map((s) => s.name)).toEqual(data.subjects.map((s) => s.name));
    for (const s of data.subjects) expect(pdfText(file).replace(/\s+/g, ' ')).toContain(s.name);
  });

  it('paginates with the header rows repeated on every page of the table, «Лист N из M» throughout', () => {
    expect(n).toBeGreaterThan(subjectGroups(data).length);
    let continued = 0;
    const seen = new Map<string, number>();
    for (let p = 1; p <= n; p++) {
      const t = pdfText(file, p);
      expect(t).toContain(`Лист ${p} из ${n}`);
      // by surname and name: a long ФИО wraps onto a second line
      const students = data.students.filter((s) => t.includes(s.fullName.split(' ').slice(0, 2).join(' ')));
      for (const s of students) seen.set(s.fullName, (seen.get(s.fullName) ?? 0) + 1);
      if (students.length) {
        // the table's header on this page: its column titles and the vertical period labels
        expect(t).toContain('Фамилия, имя, отчество');
        expect(t.replace(/\s+/g, ' ')).toMatch(/№ в алф\./);
        // a page whose first student is not № 1 continues a table: its header was repeated
        if (!students.some((s) => s.n === 1)) continued++;
      }
    }
    expect(continued).toBeGreaterThan(0);
    // every student appears in the summary and once per group of subjects by period
    for (const st of data.students) expect(seen.get(st.fullName)).toBe(subjectGroups(data).length + 1);
  });

  it('the vertical headers are real text (rotated SVG), readable by pdftotext: 20 subject names on the summary sheet', () => {
    const first = pdfText(file, 1);
    expect(first).toContain('Итоговые отметки');
    const words = new Set(first.split(/\s+/));
    for (const s of data.subjects) for (const w of s.name.split(' ')) expect(words, `${s.name}: «${w}» on sheet 1`).toContain(w);
    let p = 1;
    while (!pdfText(file, p).includes('Отметки за учебные периоды')) p++;
    const t = pdfText(file, p).replace(/\s+/g, ' ');
    for (const label of ['1 четв.', '4 четв.', 'год.', 'экз.', 'итог.']) expect(t).toContain(label);
  });
});

describe('the verification code in the bytes', () => {
  it('is refused when a file carries two different codes, and absent from other PDFs', () => {
    expect(extractCodeFromPdf(Buffer.from('%PDF-1.3\n1 0 obj (SR-CODE:A1B2C3D4-v1) endobj 2 0 obj (SR-CODE:FFFFFFFF-v1) endobj'))).toBeNull();
    expect(extractCodeFromPdf(Buffer.from('%PDF-1.3\n1 0 obj (SR-CODE:a1b2c3d4-v1) endobj'))).toBeNull();
    expect(extractCodeFromPdf(new Uint8Array(Buffer.from('x (SR-CODE:0123ABCD-v12) y')))).toBe('0123ABCD-v12');
  });
});

describe('the fonts when bundled for Electron', () => {
  // main.cjs inlines pdfmake but not its TTFs: they must sit in fonts/Roboto next to the bundle (or in
  // SCHOOL_REGISTER_FONTS_DIR). Bundled to a folder outside the checkout, so node_modules cannot be reached.
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('sr-bundle-fonts-');
    fs.writeFileSync(path.join(dir, 'entry.ts'), [
      `import { renderLedgerPdf } from ${JSON.stringify(path.join(root, 'main/ledgers/pdf.ts'))};`,
      `import { ledgerFixture, stampFixture } from ${JSON.stringify(path.join(root, 'test/ledgers/fixtures.ts'))};`,
      `import { writeFileSync } from 'node:fs';`,
      `renderLedgerPdf(ledgerFixture({ subjects: 3, students: 4 }), stampFixture()).then(`,
      `  (b) => writeFileSync(process.argv[2], b),`,
      `  (e) => { console.error(e.message); process.exit(3); });`,
    ].join('\n'));
    await build({
      entryPoints: [path.join(dir, 'entry.ts')], outfile: path.join(dir, 'app', 'main.cjs'), bundle: true,
      platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent', logOverride: { 'empty-import-meta': 'error' },
    });
  }, 60_000);
  const run = (out: string, env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [path.join(dir, 'app', 'main.cjs'), out], {
    cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, ...env },
  });

  it('without the fonts next to it, refuses with a message naming where it looked', () => {
    const r = run(path.join(dir, 'none.pdf'));
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('Не найден шрифт Roboto');
    expect(r.stderr).toContain(path.join(dir, 'app', 'fonts', 'Roboto'));
    expect(fs.existsSync(path.join(dir, 'none.pdf'))).toBe(false);
  });

  it('with the fonts but without pdfkit\'s sRGB profile in data/ next to the bundle, a sealed ledger is refused naming the file', () => {
    fs.cpSync(path.join(root, 'node_modules/pdfmake/fonts/Roboto'), path.join(dir, 'app', 'fonts', 'Roboto'), { recursive: true });
    const r = run(path.join(dir, 'no-icc.pdf'));
    expect(r.status).toBe(3);
    expect(r.stderr).toContain(`Не найден цветовой профиль sRGB для PDF/A: ${path.join(dir, 'app', 'data', SRGB_ICC)}`);
    expect(fs.existsSync(path.join(dir, 'no-icc.pdf'))).toBe(false);
  });

  it('with node_modules/pdfmake/fonts/Roboto in fonts/Roboto and the profile in data/ next to the bundle, renders PDF/A', () => {
    fs.mkdirSync(path.join(dir, 'app', 'data'));
    fs.copyFileSync(path.join(root, 'node_modules/pdfkit/js/data', SRGB_ICC), path.join(dir, 'app', 'data', SRGB_ICC));
    const r = run(path.join(dir, 'ok.pdf'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(pdfText(path.join(dir, 'ok.pdf'))).toContain('СВОДНАЯ ВЕДОМОСТЬ');
    expect(pdfaProblems(path.join(dir, 'ok.pdf'))).toEqual([]);
  });
});
