// What every printed document of the register shares: pdfmake with Roboto embedded (it covers Cyrillic), the
// verification code and its QR code in the footer of every page, «Лист N из M», and the code in the PDF's
// Info /Keywords as plain ASCII (`SR-CODE:<code>`), so a verifier finds it with a regex on the raw bytes.
// A sealed document is PDF/A-2b (an archive copy meant to be read in decades): pdfkit's own PDF/A mode writes the XMP
// with pdfaid and the Info fields, and the sRGB OutputIntent with its ICC profile, once per file; Roboto is embedded
// with ToUnicode anyway. A draft stays plain PDF: its «ЧЕРНОВИК» watermark is translucent, and it certifies nothing.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pdfmake from 'pdfmake';
import type { Content, PDFSubset, PDFVersion, TDocumentDefinitions } from 'pdfmake/interfaces.js';
import { AppError } from './errors.ts';

const FONT_FILES = {
  normal: 'Roboto-Regular.ttf',
  bold: 'Roboto-Medium.ttf',
  italics: 'Roboto-Italic.ttf',
  bolditalics: 'Roboto-MediumItalic.ttf',
} as const;

/** Where the TTFs may be, first match wins. The Electron bundle inlines pdfmake's code but not its fonts, so the
 * build copies node_modules/pdfmake/fonts/Roboto next to main.cjs (out/electron/fonts/Roboto); from a checkout
 * (tsx, vitest, the CLI) they are read from the pdfmake package itself, found by Node's resolution at run time. */
function fontDirCandidates(): string[] {
  const dirs: string[] = [];
  if (process.env.SCHOOL_REGISTER_FONTS_DIR) dirs.push(process.env.SCHOOL_REGISTER_FONTS_DIR);
  // CommonJS (the esbuild bundle): __dirname is the bundle's folder. Under ESM it is not defined.
  if (typeof __dirname === 'string') dirs.push(path.join(__dirname, 'fonts', 'Roboto'));
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources) dirs.push(path.join(resources, 'fonts', 'Roboto'));
  const bases = [typeof __filename === 'string' ? __filename : null, process.argv[1] ?? null, path.join(process.cwd(), 'index.js')];
  for (const base of bases) {
    if (!base) continue;
    try {
      dirs.push(path.join(path.dirname(createRequire(path.resolve(base)).resolve('pdfmake/package.json')), 'fonts', 'Roboto'));
    } catch {
      // not resolvable from there: try the next base
    }
  }
  return dirs;
}

let fontDir: string | null = null;

/** The folder with Roboto-*.ttf, or an error that names every place looked at. */
export function pdfFontDir(): string {
  if (fontDir && existsSync(path.join(fontDir, FONT_FILES.normal))) return fontDir;
  const tried = fontDirCandidates();
  const found = tried.find((d) => Object.values(FONT_FILES).every((f) => existsSync(path.join(d, f))));
  if (!found) {
    throw new AppError('internal', `Не найден шрифт Roboto для PDF (искали в: ${tried.join('; ') || 'нигде'}). Укажите папку со шрифтами в SCHOOL_REGISTER_FONTS_DIR.`);
  }
  fontDir = found;
  return found;
}

const KEYWORDS_PREFIX = 'SR-CODE:';

/** The verification code written into a PDF's Info /Keywords, read back from the raw bytes; null when none.
 * pdfkit writes an ASCII-only Info string as a literal `(SR-CODE:…)` (any other as UTF-16 hex), so the code is plain
 * text in the file. */
export function extractCodeFromPdf(bytes: Uint8Array): string | null {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  // pdfkit makes the value an indirect object (`/Keywords 45 0 R` … `45 0 obj (SR-CODE:…)`); content streams are
  // compressed, so the literal appears nowhere else. Two different codes in one file: a doctored file, no code.
  const codes = new Set([...text.matchAll(/\(SR-CODE:([0-9A-F]{8}-v[1-9]\d*)\)/g)].map((m) => m[1]));
  return codes.size === 1 ? [...codes][0] : null;
}

export type Certification =
  | { kind: 'sealed'; code: string; version?: number; sealedAt: string; signer?: string | null }
  | { kind: 'draft' }
  /** a paper to be signed by hand (an order of the book of orders): neither a code nor a draft's watermark */
  | { kind: 'plain' };

export const DRAFT_MARK = 'Черновик — не заверено';

export type PrintedDocument = {
  title: string;
  author: string;
  subject: string;
  orientation: 'portrait' | 'landscape';
  /** Left part of the running head on every page. */
  runningHead: string;
  content: Content;
  certification: Certification;
  pageMargins?: [number, number, number, number];
};

const ru2 = (n: number) => String(n).padStart(2, '0');
/** ISO timestamp → «ДД.ММ.ГГГГ чч:мм» in UTC+3 (Moscow): how a seal's time is printed. */
export function formatMoscowTime(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 3 * 3600_000);
  return `${ru2(d.getUTCDate())}.${ru2(d.getUTCMonth() + 1)}.${d.getUTCFullYear()} ${ru2(d.getUTCHours())}:${ru2(d.getUTCMinutes())} МСК`;
}

function footer(cert: Certification, margins: [number, number, number, number]) {
  return (currentPage: number, pageCount: number): Content => {
    const sheet = { text: `Лист ${currentPage} из ${pageCount}`, alignment: 'center' as const, fontSize: 8, margin: [0, 14, 0, 0] as [number, number, number, number] };
    if (cert.kind === 'plain') return { margin: [margins[0], 6, margins[2], 0], columns: [{ width: '*', text: '' }, { width: 'auto', ...sheet }, { width: '*', text: '' }] };
    if (cert.kind === 'draft') {
      return {
        margin: [margins[0], 6, margins[2], 0],
        columns: [
          { width: '*', text: DRAFT_MARK, bold: true, color: '#b00000', fontSize: 9, margin: [0, 13, 0, 0] },
          { width: 'auto', ...sheet },
          { width: '*', text: '' },
        ],
      };
    }
    const who = cert.signer ? `, подпись: ${cert.signer}` : '';
    return {
      margin: [margins[0], 4, margins[2], 0],
      columns: [
        {
          width: '*',
          stack: [
            { text: [{ text: 'Код проверки: ', fontSize: 8 }, { text: cert.code, bold: true, fontSize: 10 }] },
            { text: `Заверено ${formatMoscowTime(cert.sealedAt)}${cert.version ? `, версия ${cert.version}` : ''}${who}`, fontSize: 6.5, color: '#444444' },
          ],
          margin: [0, 8, 0, 0],
        },
        { width: 'auto', ...sheet },
        { width: '*', columns: [{ width: '*', text: '' }, { width: 'auto', qr: cert.code, fit: 50, eccLevel: 'M' }] },
      ],
      columnGap: 10,
    };
  };
}

/** What a sealed document is written as, and the PDF version that standard is built on (PDF/A-2 is ISO 32000-1). */
export const SEALED_PDF: { subset: PDFSubset; version: PDFVersion } = { subset: 'PDF/A-2b', version: '1.7' };

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

type PdfKitInfoWriter = { info: Record<string, unknown>; _addInfo(): void };

/** pdfkit copies the Info strings into the XMP as they are: a title with «&» or «<» would make the metadata bad XML.
 * Its writer is kept and given the strings escaped; the Info dictionary keeps the originals, so both say the same. */
function escapeXmpInfo(doc: PdfKitInfoWriter): void {
  const write = doc._addInfo;
  doc._addInfo = function (this: PdfKitInfoWriter) {
    const info = this.info;
    this.info = Object.fromEntries(Object.entries(info).map(([k, v]) => [k, typeof v === 'string' ? xmlText(v) : v]));
    try {
      write.call(this);
    } finally {
      this.info = info;
    }
  };
}

/** Renders a document with the house's fonts, running head, certification footer and metadata. */
export async function renderPrintedPdf(doc: PrintedDocument): Promise<Buffer> {
  const dir = pdfFontDir();
  const fonts = { Roboto: Object.fromEntries(Object.entries(FONT_FILES).map(([k, f]) => [k, path.join(dir, f)])) };
  const margins = doc.pageMargins ?? [22, 34, 22, 52];
  const cert = doc.certification;
  const definition: TDocumentDefinitions = {
    ...(cert.kind === 'sealed' ? SEALED_PDF : {}),
    language: 'ru-RU',
    pageSize: 'A4',
    pageOrientation: doc.orientation,
    pageMargins: margins,
    info: {
      title: doc.title,
      author: doc.author,
      subject: doc.subject,
      // ASCII only: pdfkit writes any other string as UTF-16 hex, where a regex on the bytes would not find it.
      keywords: cert.kind === 'sealed' ? `${KEYWORDS_PREFIX}${cert.code}` : cert.kind === 'plain' ? 'SR-PLAIN' : 'SR-DRAFT',
      creator: 'School Register',
      producer: 'School Register (pdfmake)',
      ...(cert.kind === 'sealed' ? { creationDate: new Date(cert.sealedAt) } : {}),
    },
    defaultStyle: { font: 'Roboto', fontSize: 8, lineHeight: 1.05 },
    header: (): Content => ({
      margin: [margins[0], 14, margins[2], 0],
      text: doc.runningHead, fontSize: 7, color: '#444444',
    }),
    footer: footer(cert, margins),
    ...(cert.kind === 'draft' ? { watermark: { text: 'ЧЕРНОВИК', color: '#b00000', opacity: 0.07, bold: true, angle: -30 } } : {}),
    content: doc.content,
  };
  // pdfmake is one shared instance: set what this render needs right before it starts.
  pdfmake.setFonts(fonts);
  pdfmake.setUrlAccessPolicy(() => false);
  pdfmake.setLocalAccessPolicy((p: string) => path.resolve(p).startsWith(path.resolve(dir) + path.sep));
  const out = pdfmake.createPdf(definition);
  // the pdfkit document, laid out but not yet ended: its metadata is written at the end
  if (cert.kind === 'sealed') escapeXmpInfo((await out.getStream()) as unknown as PdfKitInfoWriter);
  try {
    return Buffer.from(await out.getBuffer());
  } catch (e) {
    // pdfkit reads the profile from data/ beside its code: in the Electron bundle, copied beside main.cjs
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT' ? (e as NodeJS.ErrnoException).path : undefined;
    if (missing && /\.icc$/i.test(missing)) {
      throw new AppError('internal', `Не найден цветовой профиль sRGB для PDF/A: ${missing}. Переустановите программу.`);
    }
    throw e;
  }
}

// ---------- text placed at exact positions (blank forms of strict accountability) ----------

export const MM = 72 / 25.4;

/** A page of text and lines placed at given points (in millimetres from the page's top-left), nothing else: no margins,
 *  head or footer. The page is its real size, for printing at 100 % on a preprinted blank. */
export type PlacedPage = {
  width: number; height: number;
  texts: Array<{ x: number; y: number; width: number; fontSize: number; align: 'left' | 'center'; text: string; bold?: boolean }>;
  lines?: Array<{ x1: number; y1: number; x2: number; y2: number; width?: number }>;
  /** QR codes: the top-left corner and the side of the square, in millimetres */
  qrs?: Array<{ x: number; y: number; size: number; text: string }>;
};

/** Renders placed pages into one PDF. `code`: one verification code for the whole file (its Info /Keywords, as on the
 *  other certified printouts), else the file is plain. Every page is the first page's size. */
export async function renderPlacedPdf(pages: PlacedPage[], meta: { title: string; author: string; code: string | null }): Promise<Buffer> {
  if (!pages.length) throw new AppError('internal', 'нет страниц для печати');
  const dir = pdfFontDir();
  const fonts = { Roboto: Object.fromEntries(Object.entries(FONT_FILES).map(([k, f]) => [k, path.join(dir, f)])) };
  const content: Content[] = [];
  pages.forEach((p, i) => {
    // a flowing empty line starts each page; everything on it is placed absolutely
    content.push({ text: ' ', fontSize: 1, ...(i > 0 ? { pageBreak: 'before' as const } : {}) });
    if (p.lines?.length) {
      content.push({ absolutePosition: { x: 0, y: 0 }, canvas: p.lines.map((l) => ({ type: 'line' as const, x1: l.x1 * MM, y1: l.y1 * MM, x2: l.x2 * MM,
        y2: l.y2 * MM, lineWidth: l.width ?? 0.4 })) });
    }
    for (const t of p.texts) {
      content.push({ absolutePosition: { x: t.x * MM, y: t.y * MM },
        columns: [{ width: t.width * MM, text: t.text, alignment: t.align, fontSize: t.fontSize, bold: t.bold ?? false, lineHeight: 1, noWrap: true }] });
    }
    for (const q of p.qrs ?? []) content.push({ absolutePosition: { x: q.x * MM, y: q.y * MM }, qr: q.text, fit: q.size * MM, eccLevel: 'M' });
  });
  const definition: TDocumentDefinitions = {
    language: 'ru-RU',
    pageSize: { width: pages[0].width * MM, height: pages[0].height * MM },
    pageMargins: [0, 0, 0, 0],
    info: { title: meta.title, author: meta.author, keywords: meta.code ? `${KEYWORDS_PREFIX}${meta.code}` : 'SR-PLAIN', creator: 'School Register',
      producer: 'School Register (pdfmake)' },
    defaultStyle: { font: 'Roboto', fontSize: 10, lineHeight: 1 },
    content,
  };
  pdfmake.setFonts(fonts);
  pdfmake.setUrlAccessPolicy(() => false);
  pdfmake.setLocalAccessPolicy((p: string) => path.resolve(p).startsWith(path.resolve(dir) + path.sep));
  return Buffer.from(await pdfmake.createPdf(definition).getBuffer());
}
