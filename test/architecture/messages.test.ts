// What the clerk reads carries no programmer's words. Read from the source (the TypeScript compiler's own parser):
// every message the backend refuses with (AppError, fieldError, notFound, and the journal reader's WorkbookError and
// SheetXmlError, in main/) and every string of the renderer's strings file. Checked: no jargon (SQL, «constraint»,
// NULL, undefined, a bare «id», errno codes …) anywhere; no English word outside the names a clerk meets on screen
// (Excel, PDF, USB …) — the command line may name its own flags and commands; no number glued to a noun form that
// agrees with some numbers only («${n} ученика»: plural.ts decides). And SQLite's own refusals, which dispatch passes
// on when the schema is the last guard, reach the clerk in Russian — asked of SQLite itself.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { sqliteToApi } from '../../main/host/dispatch.ts';
import { ROOT } from '../helpers/cli.ts';

type Message = { at: string; text: string };
const sourceFiles = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []);
const MAIN = sourceFiles(path.join(ROOT, 'main'));
const STRINGS = path.join(ROOT, 'renderer/src/strings.ts');
const parse = (file: string) => ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
const where = (sf: ts.SourceFile, n: ts.Node) => `${path.relative(ROOT, sf.fileName)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;

/** The words of a message as written: literal parts kept, an interpolated value as «…» (its words are data). */
function textOf(n: ts.Node): string | null {
  if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) return n.text;
  if (ts.isTemplateExpression(n)) return n.head.text + n.templateSpans.map((s) => `${textOf(s.expression) ?? '…'}${s.literal.text}`).join('');
  if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken) return `${textOf(n.left) ?? '…'}${textOf(n.right) ?? '…'}`;
  if (ts.isConditionalExpression(n)) return `${textOf(n.whenTrue) ?? '…'} | ${textOf(n.whenFalse) ?? '…'}`;
  if (ts.isParenthesizedExpression(n)) return textOf(n.expression);
  return null;
}

const REFUSALS = new Set(['WorkbookError', 'SheetXmlError']);
function backendMessages(): Message[] {
  const out: Message[] = [];
  for (const file of MAIN) {
    const sf = parse(file);
    const visit = (n: ts.Node) => {
      let msg: ts.Node | undefined;
      if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.arguments) {
        if (n.expression.text === 'AppError') msg = n.arguments[1];
        else if (REFUSALS.has(n.expression.text)) msg = n.arguments.find((a) => /[а-яё]/i.test(textOf(a) ?? ''));
      }
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'fieldError') msg = n.arguments[1];
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'notFound') msg = n.arguments[0];
      const text = msg && textOf(msg);
      if (text) out.push({ at: where(sf, n), text });
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return out;
}

/** The strings file's values: not its keys, types, comparisons or imports. */
function rendererStrings(): Message[] {
  const sf = parse(STRINGS);
  const out: Message[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isImportDeclaration(n) || ts.isTypeNode(n)) return;
    const p = n.parent;
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateExpression(n)) {
      const key = ts.isPropertyAssignment(p) && p.name === n;
      const compared = ts.isBinaryExpression(p) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken].includes(p.operatorToken.kind);
      if (!key && !compared && !ts.isElementAccessExpression(p) && !ts.isCaseClause(p)) out.push({ at: where(sf, n), text: textOf(n) ?? '' });
      if (!ts.isTemplateExpression(n)) return;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** What is not prose: a name in «», a flag, a path, a file name, an environment variable, a routed address. */
const prose = (s: string) => s.replace(/«[^«»]*»/g, ' ').replace(/-----[A-Z ]+-----/g, ' ').replace(/(^|[\s(])--?[a-z][\w-]*/g, ' ')
  .replace(/\S*[/\\]\S*/g, ' ').replace(/(^|\s)\.[a-z]{2,4}\b/g, ' ')
  .replace(/\b[\w-]+\.(xlsx|xls|pdf|pem|p12|pfx|crt|json|txt|sqlite|xml|ts|ods|csv)\b/gi, ' ').replace(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g, ' ');

const JARGON = /\b(SQL|SQLite|sqlite|constraint|NULL|null|undefined|NaN|id|ids|rowid|integrity_check|st_dev|errno|ENOENT|EACCES|EEXIST|EBUSY|TypeError|stack trace|\[object)\b/;

// English a clerk meets on his own screen: file kinds, keys, devices, the names of standards on the signing screens
const ALLOWED = new Set(['Excel', 'LibreOffice', 'PDF', 'XLSX', 'xlsx', 'CSV', 'ODS', 'JSON', 'ZIP', 'zip', 'XML', 'URL', 'HTTP', 'HTTPS', 'http', 'https',
  'TLS', 'PEM', 'pem', 'p12', 'pfx', 'crt', 'cer', 'ID', 'Ctrl', 'Enter', 'Esc', 'Delete', 'Tab', 'Shift', 'USB', 'BagIt', 'base32', 'SHA', 'RSA',
  'ECDSA', 'CMS', 'CAdES', 'TSA', 'RFC', 'PKCS', 'OpenSSL', 'CSP', 'cryptcp', 'PIN', 'JaCarta', 'p7s', 'sRGB', 'Roboto', 'A', 'E', 'V', 'Z', 'restore',
  'UUID']); // UUID: how the command line names a pupil
const english = (s: string) => (prose(s).replace(/\b[0-9A-F]{8}-v\d+\b/g, ' ').match(/[A-Za-z][A-Za-z0-9]*/g) ?? []).filter((w) => !ALLOWED.has(w) && !/^[A-Z]\d*$/.test(w));

// A noun form that agrees with some numbers only, right after an interpolated number
const GLUED = /\$\{[^{}]*\} (ученика|учеников|предмета|предметов|классов|классах|оценки|оценок|ячейки|ячеек|строки|строк|строках|файла|файлов|копии|копий|копиях|носителя|носителей|записей|записи|раза|байт|дня|дней|пакетов|пакета|приказов|приказа|версий)\b/;

describe('the words the clerk reads', () => {
  const backend = backendMessages();
  const strings = rendererStrings();

  it('the scan finds the messages (the parser sees what it should)', () => {
    expect(backend.length).toBeGreaterThan(300);
    expect(strings.length).toBeGreaterThan(500);
    expect(backend.some((m) => m.at.startsWith('main/workbooks/marks-import.ts') && m.text.includes('нет изменения «…»'))).toBe(true);
    expect(backend.some((m) => m.at.startsWith('main/workbooks/sheet-xml.ts'))).toBe(true); // the reader's own error class
    expect(strings.some((m) => m.text === 'Ведомость запечатана — оценка не изменится')).toBe(true);
  });

  it('no programmer\'s jargon in a backend refusal or a screen string', () => {
    const found = [...backend, ...strings].filter((m) => JARGON.test(prose(m.text))).map((m) => `${m.at}: ${m.text}`);
    expect(found).toEqual([]);
  });

  it('no English word outside the names a clerk meets (the command line may name its flags and commands)', () => {
    const found = [...backend.filter((m) => !m.at.startsWith('main/cli/') && !m.at.startsWith('main/signing/')), ...strings]
      .flatMap((m) => english(m.text).map((w) => `${m.at}: «${w}» in ${m.text}`));
    expect(found).toEqual([]);
  });

  it('a number is never glued to a noun form that agrees with some numbers only', () => {
    const found = [...MAIN, STRINGS].flatMap((f) => fs.readFileSync(f, 'utf8').split('\n')
      .flatMap((line, i) => (GLUED.test(line) ? [`${path.relative(ROOT, f)}:${i + 1}: ${line.trim()}`] : [])));
    expect(found).toEqual([]);
  });

  it('SQLite\'s own refusals reach the clerk in Russian, a trigger\'s Russian as it is', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    db.exec(`CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT NOT NULL UNIQUE CHECK (length(b) < 5), c INTEGER REFERENCES t(a)) STRICT;
      CREATE TRIGGER t_no_x BEFORE INSERT ON t WHEN NEW.b = 'ы' BEGIN SELECT RAISE(ABORT, 'нельзя «ы»'); END;
      INSERT INTO t (a, b) VALUES (1, 'one');`);
    const refusal = (sql: string) => {
      try {
        db.exec(sql);
      } catch (e) {
        return sqliteToApi(e as Error & { code?: string });
      }
      throw new Error(`SQLite took ${sql}`);
    };
    const said = ['INSERT INTO t (a, b) VALUES (1, \'two\')', 'INSERT INTO t (b) VALUES (\'one\')', 'INSERT INTO t (b) VALUES (NULL)',
      'INSERT INTO t (b) VALUES (\'toolong\')', 'INSERT INTO t (b, c) VALUES (\'two\', 99)', 'INSERT INTO t (b) VALUES (\'ы\')',
      'INSERT INTO t (b, c) VALUES (\'two\', \'abc\')'].map(refusal);
    for (const r of said) {
      expect(r?.message).toMatch(/^Реестр отказал в записи: /);
      expect(r?.message).not.toMatch(/[A-Za-z]/);
    }
    expect(said.map((r) => r?.code)).toEqual(['conflict', 'conflict', 'validation', 'validation', 'validation', 'validation', 'validation']);
    expect(said[5]?.message).toBe('Реестр отказал в записи: нельзя «ы»');
    db.close();
  });
});
