// Every bad input is refused with a message naming the file and, where it applies, sheet, row and column.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkbookError, type ReadOptions } from '../../main/workbooks/read.ts';
import { journalEvents } from './journal.ts';
import { tempDir } from '../helpers/register.ts';
import { writeBook, zipBytes } from './make.ts';

async function refusal(file: string, opts: ReadOptions = {}): Promise<WorkbookError> {
  try {
    for await (const _ of journalEvents(file, opts)) { /* read through */ }
  } catch (e) {
    expect(e).toBeInstanceOf(WorkbookError);
    return e as WorkbookError;
  }
  throw new Error(`${file} was read without a refusal`);
}

const FIXTURES = path.join(import.meta.dirname, '../fixtures/bad');
const GOOD = { Журнал: [['ФИО', 'Дата рождения', 'Математика 1 четв.'], ['Иванов Пётр Сергеевич', '01.02.2015', 5]] };

describe('bad workbooks are refused with a clear message', () => {
  const index = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'index.json'), 'utf8')) as { files: Record<string, { reason: string; message: string }> };
  for (const [name, want] of Object.entries(index.files)) {
    it(`${name}: ${want.reason}`, async () => {
      const e = await refusal(path.join(FIXTURES, name));
      expect(e.reason).toBe(want.reason);
      expect(e.file).toBe(path.join(FIXTURES, name));
      expect(e.message).toContain(name);
      expect(e.message).toContain(want.message);
      expect(e.toApi().code).toBe('validation');
    });
  }

  it('a truncated workbook (a download cut short)', async () => {
    const dir = tempDir();
    const good = await writeBook(dir, 'good.xlsx', GOOD);
    const bytes = fs.readFileSync(good);
    const cut = path.join(dir, 'cut.xlsx');
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const e = await refusal(cut);
    expect(e.reason).toBe('truncated');
    expect(e.message).toMatch(/cut\.xlsx: файл повреждён или загружен не полностью/);
  });

  it('a zip that is not a workbook', async () => {
    const dir = tempDir();
    const f = path.join(dir, 'archive.xlsx');
    fs.writeFileSync(f, zipBytes([{ name: 'readme.txt', data: Buffer.from('hello'), deflate: true }]));
    const e = await refusal(f);
    expect(e.reason).toBe('not_xlsx');
    expect(e.message).toContain('нет xl/workbook.xml');
  });

  it('a zip bomb: one part expanding more than 200 times, refused before any XML is read', async () => {
    const dir = tempDir();
    const f = path.join(dir, 'bomb.xlsx');
    fs.writeFileSync(f, zipBytes([
      { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') },
      { name: 'xl/_rels/workbook.xml.rels', data: Buffer.from('<Relationships/>') },
      { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(16 * 1024 * 1024, 0x20), deflate: true },
    ]));
    expect(fs.statSync(f).size).toBeLessThan(100_000);
    const e = await refusal(f);
    expect(e.reason).toBe('zip_bomb');
    expect(e.message).toContain('xl/worksheets/sheet1.xml');
    expect(e.message).toContain('zip-бомбу');
  });

  it('a zip bomb by total size: parts that together exceed the limit', async () => {
    const dir = tempDir();
    const good = await writeBook(dir, 'big.xlsx', GOOD);
    const e = await refusal(good, { limits: { maxUncompressed: 1000 } });
    expect(e.reason).toBe('zip_bomb');
    expect(e.message).toMatch(/в распакованном виде/);
  });

  it('an empty sheet', async () => {
    const dir = tempDir();
    const f = await writeBook(dir, 'empty.xlsx', { 'Лист1': [] });
    const e = await refusal(f);
    expect(e.reason).toBe('empty_sheet');
    expect(e.sheet).toBe('Лист1');
    expect(e.message).toBe('empty.xlsx, лист «Лист1»: лист пуст');
  });

  it('no header row in the first 20 rows', async () => {
    const dir = tempDir();
    const f = await writeBook(dir, 'noheader.xlsx', { 'Оценки': [['Иванов Пётр', '01.02.2015', 5], ['Петров Иван', '02.03.2015', 4]] });
    const e = await refusal(f);
    expect(e.reason).toBe('no_header');
    expect(e.message).toContain('noheader.xlsx, лист «Оценки»: в первых 20 строках нет строки заголовков');
  });

  it('two columns meaning one field', async () => {
    const dir = tempDir();
    const f = await writeBook(dir, 'dupe.xlsx', { 'Журнал': [['Отчёт'], ['ФИО', 'СНИЛС', 'Дата рождения', 'СНИЛС.'], ['Иванов Пётр', '', '01.02.2015', '']] });
    const e = await refusal(f);
    expect(e.reason).toBe('duplicate_field');
    expect([e.sheet, e.row, e.column]).toEqual(['Журнал', 2, 'D']);
    expect(e.message).toBe('dupe.xlsx, лист «Журнал», строка 2, столбец D: столбцы B и D оба означают «СНИЛС»: укажите в сопоставлении, какой из них брать');
    // the user's mapping settles it
    const rows = [];
    for await (const ev of journalEvents(f, { mapping: { snils: 'D' } })) if (ev.type === 'sheet') rows.push(ev.layout.mapping);
    expect(rows[0]).toMatchObject({ snils: 'D', fullName: 'A', birthDate: 'C' });
  });

  it('one column mapped to two fields by the user', async () => {
    const dir = tempDir();
    const f = await writeBook(dir, 'two.xlsx', GOOD);
    const e = await refusal(f, { mapping: { snils: 'A' } });
    expect(e.reason).toBe('duplicate_field');
    expect(e.column).toBe('A');
    expect(e.message).toContain('столбец A сопоставлен двум полям: «ФИО» и «СНИЛС»');
  });
});
