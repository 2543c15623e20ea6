// What every printed document of the register shares: pdfmake with Roboto embedded (it covers Cyrillic), the
// verification code and its QR code in the footer of every page, «Лист N из M», and the code in the PDF's
// Info /Keywords as plain ASCII (`SR-CODE:<code>`), so a verifier finds it with a regex on the raw bytes.
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pdfmake from 'pdfmake';
import type { Content, TDocumentDefinitions } from 'pdfmake/interfaces.js';
// @ts-expect-error: pdfmake ships no types for its modules; this one is the document class its printer makes per PDF
import * as pdfmakeDocument from 'pdfmake/js/PDFDocument.js';
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

// pdfmake opens every font anew for every document (pdfkit's font() → fontkit.create), and fontkit then decodes
// again what shaping needs (cmap, GSUB, GPOS, the glyphs): about a tenth of a ledger's rendering. Our documents share
// one parsed font per file instead. Each document still gets its own pdfkit font object and its own subset, so it
// embeds only the glyphs it uses; what is shared is fontkit's parsed font under them, which rendering only reads.
// pdfmake has no option for this, so its provideFont is wrapped once; it shares only inside our renders
// (sharedFonts.run): any other use of pdfmake in the process parses its fonts as pdfmake does.
type ParsedFont = { createSubset(): unknown };
type PdfkitFont = { font: ParsedFont; subset: unknown };
type PdfmakeDocument = {
  fonts: Record<string, Record<string, unknown>>;
  fontCache: Record<string, Record<string, PdfkitFont> | undefined>;
  getFontType(bold: boolean, italics: boolean): string;
  provideFont(family: string, bold: boolean, italics: boolean): PdfkitFont;
};
const sharedFonts = new AsyncLocalStorage<Map<string, ParsedFont>>();
const parsedFonts = new Map<string, ParsedFont>(); // by the TTF's path

(function shareParsedFonts() {
  // Node's ESM gives this CommonJS module's exports as `default`; a bundle may give its `default` export directly.
  const m = pdfmakeDocument as { default?: { default?: unknown } };
  const cls = [m.default?.default, m.default].find((c): c is { prototype: PdfmakeDocument } =>
    typeof c === 'function' && typeof (c as { prototype?: PdfmakeDocument }).prototype?.provideFont === 'function');
  if (!cls) return; // not the pdfmake this was written for: every document parses its fonts, as pdfmake does
  const provide = cls.prototype.provideFont;
  cls.prototype.provideFont = function (this: PdfmakeDocument, family: string, bold: boolean, italics: boolean) {
    const type = this.getFontType(bold, italics);
    const opened = this.fontCache[family]?.[type];
    const font = provide.call(this, family, bold, italics);
    const shared = sharedFonts.getStore();
    const file = this.fonts[family]?.[type];
    if (opened || !shared || typeof file !== 'string') return font;
    const parsed = shared.get(file);
    if (!parsed) shared.set(file, font.font);
    else if (parsed !== font.font) {
      font.font = parsed;
      font.subset = parsed.createSubset();
    }
    return font;
  };
})();

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
  | { kind: 'draft' };

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

/** Renders a document with the house's fonts, running head, certification footer and metadata. */
export async function renderPrintedPdf(doc: PrintedDocument): Promise<Buffer> {
  const dir = pdfFontDir();
  const fonts = { Roboto: Object.fromEntries(Object.entries(FONT_FILES).map(([k, f]) => [k, path.join(dir, f)])) };
  const margins = doc.pageMargins ?? [22, 34, 22, 52];
  const cert = doc.certification;
  const definition: TDocumentDefinitions = {
    pageSize: 'A4',
    pageOrientation: doc.orientation,
    pageMargins: margins,
    info: {
      title: doc.title,
      author: doc.author,
      subject: doc.subject,
      // ASCII only: pdfkit writes any other string as UTF-16 hex, where a regex on the bytes would not find it.
      keywords: cert.kind === 'sealed' ? `${KEYWORDS_PREFIX}${cert.code}` : 'SR-DRAFT',
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
  return sharedFonts.run(parsedFonts, async () => Buffer.from(await pdfmake.createPdf(definition).getBuffer()));
}
