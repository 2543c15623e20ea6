// Sealed documents are PDF/A-2b (main/shared/pdf.ts), checked by test/helpers/pdfa-check.ts through qpdf, pdffonts
// and Python's XML parser. The checker is shown to fail: on a draft (plain PDF with a translucent watermark), on files
// claiming PDF/A that are not (a standard font left unembedded, PDF/A-1, CMYK colour), and on a good file spoiled by qpdf
// (encrypted, its Info title or date changed so the XMP no longer agrees).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pdfmake from 'pdfmake';
import type { PDFSubset, TDocumentDefinitions } from 'pdfmake/interfaces.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderLedgerPdf } from '../../main/ledgers/pdf.ts';
import { pdfFontDir, renderPrintedPdf, SEALED_PDF } from '../../main/shared/pdf.ts';
import { pdfaProblems } from '../helpers/pdfa-check.ts';
import { ledgerFixture, stampFixture } from '../ledgers/fixtures.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-pdfa-'));
const save = (name: string, bytes: Buffer) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
};
const info = (file: string) => execFileSync('pdfinfo', [file], { encoding: 'utf8' });

/** A copy of the file with one Info entry replaced, written by qpdf from its own JSON (the XMP is left as it was). */
function withInfo(file: string, key: string, text: string): string {
  const json = JSON.parse(execFileSync('qpdf', ['--json-output', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }));
  const objects = json.qpdf[1] as Record<string, { value: Record<string, string> }>;
  const ref = objects[`obj:${objects.trailer.value['/Info']}`].value[key];
  const update = { qpdf: [json.qpdf[0], { [`obj:${ref}`]: { value: `u:${text}` } }] };
  const out = file.replace(/\.pdf$/, `-${key.slice(1)}.pdf`);
  fs.writeFileSync(`${out}.json`, JSON.stringify(update));
  execFileSync('qpdf', [file, `--update-from-json=${out}.json`, out]);
  return out;
}

/** A one-page document straight from pdfmake, as a file that claims a PDF/A part; `color` may be CMYK (4 numbers). */
async function bareDocument(name: string, fonts: Record<string, Record<string, string>>, font: string, subset: PDFSubset,
  color = '#000000' as string | number[]): Promise<string> {
  const definition: TDocumentDefinitions = {
    subset, version: '1.7', info: { title: 'Проба', author: 'Школа', creator: 'School Register', producer: 'School Register' },
    // pdfkit takes [c, m, y, k] as a CMYK colour; pdfmake's types know only strings
    defaultStyle: { font }, content: [{ text: 'Proba / Проба', color: color as string }],
  };
  pdfmake.setFonts(fonts);
  pdfmake.setUrlAccessPolicy(() => false);
  pdfmake.setLocalAccessPolicy(() => true);
  return save(name, Buffer.from(await pdfmake.createPdf(definition).getBuffer()));
}

describe('a sealed document is PDF/A-2b', () => {
  let sealed: string;
  beforeAll(async () => {
    sealed = save('sealed.pdf', await renderLedgerPdf(ledgerFixture({ subjects: 8, students: 12 }), stampFixture(2)));
  });

  it('a sealed ledger passes every check', () => {
    expect(SEALED_PDF).toEqual({ subset: 'PDF/A-2b', version: '1.7' });
    expect(fs.readFileSync(sealed).subarray(0, 8).toString('latin1')).toBe('%PDF-1.7');
    expect(pdfaProblems(sealed)).toEqual([]);
  });

  it('a title with «&» and «<» is escaped in the XMP and reads back the same as the Info title', async () => {
    const title = 'Справка <проба> & «кавычки» "двойные"';
    const file = save('amp.pdf', await renderPrintedPdf({
      title, author: 'Школа № 1 & Ко', subject: 'a < b > c', orientation: 'portrait', runningHead: 'проба',
      content: [{ text: 'текст' }], certification: { kind: 'sealed', code: '0123ABCD-v1', sealedAt: '2026-06-20T09:30:00.000Z' },
    }));
    expect(pdfaProblems(file)).toEqual([]);
    expect(info(file)).toContain(`Title:           ${title}`);
    expect(execFileSync('pdfinfo', ['-meta', file], { encoding: 'utf8' })).toContain('Справка &lt;проба&gt; &amp; «кавычки»');
  });

  it('a draft is not PDF/A, and the checker says why: no XMP, no output intent, a translucent watermark', async () => {
    const draft = save('draft.pdf', await renderLedgerPdf(ledgerFixture({ subjects: 3, students: 4 }), null));
    const problems = pdfaProblems(draft);
    expect(problems).toContain('the catalog has no /Metadata stream');
    expect(problems).toContain('no /OutputIntents entry with /S /GTS_PDFA1');
    expect(problems.some((p) => /with \/ca 0\.07 \(transparency\)/.test(p))).toBe(true);
  });

  it('a file that claims PDF/A-2b with a standard font: the unembedded font is found', async () => {
    const file = await bareDocument('helvetica.pdf', { Helvetica: { normal: 'Helvetica', bold: 'Helvetica-Bold', italics: 'Helvetica-Oblique', bolditalics: 'Helvetica-BoldOblique' } },
      'Helvetica', 'PDF/A-2b');
    expect(execFileSync('pdfinfo', ['-meta', file], { encoding: 'utf8' })).toContain('<pdfaid:part>2</pdfaid:part>');
    const problems = pdfaProblems(file);
    expect(problems).toContain('font not embedded: Helvetica');
    expect(problems.some((p) => /a font without a descriptor, so not embedded \("\/Helvetica"\)/.test(p))).toBe(true);
  });

  it('a file that says PDF/A-1b, or paints in CMYK under an RGB output intent: each is named', async () => {
    const dirFonts = pdfFontDir();
    const roboto = { normal: path.join(dirFonts, 'Roboto-Regular.ttf'), bold: path.join(dirFonts, 'Roboto-Medium.ttf'),
      italics: path.join(dirFonts, 'Roboto-Italic.ttf'), bolditalics: path.join(dirFonts, 'Roboto-MediumItalic.ttf') };
    const two = await bareDocument('roboto-2b.pdf', { Roboto: roboto }, 'Roboto', 'PDF/A-2b');
    expect(pdfaProblems(two)).toEqual([]);
    const one = await bareDocument('roboto-1b.pdf', { Roboto: roboto }, 'Roboto', 'PDF/A-1b');
    expect(pdfaProblems(one)).toEqual(['XMP pdfaid:part is "1", not "2"']);
    const cmyk = await bareDocument('roboto-cmyk.pdf', { Roboto: roboto }, 'Roboto', 'PDF/A-2b', [0, 100, 100, 0]);
    expect(pdfaProblems(cmyk)).toEqual([expect.stringMatching(/^DeviceCMYK colour in the content stream \d+ 0 R, with an RGB output intent$/)]);
  });

  it('a sealed ledger spoiled by qpdf: encrypted, or its Info title or date no longer what the XMP says', () => {
    const encrypted = path.join(dir, 'encrypted.pdf');
    execFileSync('qpdf', ['--encrypt', '', 'owner', '256', '--', sealed, encrypted]);
    expect(pdfaProblems(encrypted)).toContain('the file is encrypted (/Encrypt in the trailer)');
    expect(pdfaProblems(withInfo(sealed, '/Title', 'Другой заголовок'))).toEqual([
      'Info /Title "Другой заголовок" differs from XMP dc:title "Сводная ведомость успеваемости, 9А, 2025/2026"',
    ]);
    const [problem, ...more] = pdfaProblems(withInfo(sealed, '/CreationDate', 'D:20260620093001Z'));
    expect(problem).toMatch(/^Info \/CreationDate D:20260620093001Z differs from XMP xmp:CreateDate "2026-06-20T09:30:00Z"$/);
    expect(more).toEqual([]);
    // the same instant written with a time zone is the same date
    expect(pdfaProblems(withInfo(sealed, '/CreationDate', "D:20260620123000+03'00'"))).toEqual([]);
  });

  it('text extraction still gives the Cyrillic (ToUnicode), and the code is still found in the raw bytes', () => {
    const text = execFileSync('pdftotext', ['-layout', sealed, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('СВОДНАЯ ВЕДОМОСТЬ УЧЁТА УСПЕВАЕМОСТИ');
    expect(text).toContain(`Код проверки: ${stampFixture(2).code}`);
    expect(info(sealed)).toContain(`Keywords:        SR-CODE:${stampFixture(2).code}`);
  });
});
