// Journal workbooks made for the tests by exceljs's writer, into temp folders: the shapes real journals export.
import path from 'node:path';
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import type { DB } from '../../db/connection.ts';
import { createYear } from '../../main/years/years.ts';
import { createSubject } from '../../main/subjects/subjects.ts';
import { createClass, setCurriculum } from '../../main/classes/classes.ts';
import { createStudent } from '../../main/students/students.ts';
import { enrol } from '../../main/movement/orders.ts';

export type CellSpec = ExcelJS.CellValue;

/** Writes a workbook of sheets given as rows of cell values; `setup` may merge, hide, style before saving. */
export async function writeBook(dir: string, name: string, sheets: Record<string, CellSpec[][]>,
  setup?: (wb: ExcelJS.Workbook) => void): Promise<string> {
  const wb = new ExcelJS.Workbook();
  for (const [sheet, rows] of Object.entries(sheets)) {
    const ws = wb.addWorksheet(sheet);
    rows.forEach((r, i) => r.forEach((v, j) => {
      if (v !== undefined && v !== null) ws.getCell(i + 1, j + 1).value = v;
    }));
  }
  setup?.(wb);
  const file = path.join(dir, name);
  await wb.xlsx.writeFile(file);
  return file;
}

const LETTERS = 'абвгдежзиклмнопрстуфхцчшэюя';
/** The surname of the big journal's i-th student: «Ученик» and i in letters (a name has no digits). */
export function bigJournalSurname(i: number): string {
  let s = '';
  do {
    s = LETTERS[i % LETTERS.length] + s;
    i = Math.floor(i / LETTERS.length);
  } while (i > 0);
  return `Ученик${s}`;
}

/** The school a big journal speaks of: its students (same names and birth dates), classes 5А–11А studying by quarters, the subjects. */
export function seedBigJournalSchool(db: DB, rows: number, subjects = ['Математика'], year = '2026/2027'): { yearId: number } {
  return db.transaction(() => {
    const y = createYear(db, { name: year, periodKinds: [{ fromGrade: 1, toGrade: 11, kind: 'quarter' }] });
    const first = Number(year.slice(0, 4));
    const ids = subjects.map((name, i) => createSubject(db, { name, shortName: name.slice(0, 5), cityRegisterId: `MSK-B${i}`, federalCode: null }).id);
    const classes = Array.from({ length: 7 }, (_, g) => {
      const c = createClass(db, { yearId: y.id, parallel: 5 + g, letter: 'А' });
      setCurriculum(db, c.id, ids);
      return c.id;
    });
    const order = { number: 'Б-1', date: `${first}-09-01` };
    for (let i = 0; i < rows; i++) {
      const s = createStudent(db, { lastName: bigJournalSurname(i), firstName: 'Иван', middleName: 'Петрович', sex: 'М',
        birthDate: `2012-0${1 + (i % 9)}-${String(1 + (i % 28)).padStart(2, '0')}`, guardians: [] });
      enrol(db, { order, studentId: s.id, classId: classes[i % 7], date: `${first}-09-01` });
    }
    return { yearId: y.id };
  })();
}

/** Streams a large journal sheet to disk: ФИО, Дата рождения, Класс and `subjects` × `periods` of marks. */
export async function writeBigJournal(file: string, rows: number, subjects = ['Математика'], periods = ['1 четв.', '2 четв.', '3 четв.', '4 четв.']) {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: false, useStyles: false });
  const ws = wb.addWorksheet('Журнал');
  ws.addRow(['ФИО', 'Дата рождения', 'Класс', ...subjects.flatMap((s) => periods.map((p) => `${s} ${p}`))]).commit();
  const marks = ['5', '4', '3', '2', 'н/а'];
  for (let i = 0; i < rows; i++) {
    const row: Array<string | number> = [`${bigJournalSurname(i)} Иван Петрович`, `${String(1 + (i % 28)).padStart(2, '0')}.0${1 + (i % 9)}.2012`, `${5 + (i % 7)}А`];
    for (let k = 0; k < subjects.length * periods.length; k++) row.push(marks[(i + k) % 5]);
    ws.addRow(row).commit();
  }
  ws.commit();
  await wb.commit();
  return file;
}

/** A zip written by hand (stored or deflated entries), for archives exceljs would never write: bombs, non-workbooks. */
export function zipBytes(entries: Array<{ name: string; data: Buffer; deflate?: boolean }>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? zlib.deflateRawSync(e.data, { level: 9 }) : e.data;
    const name = Buffer.from(e.name, 'utf8');
    const crc = zlib.crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x0800, 8);
    cd.writeUInt16LE(e.deflate ? 8 : 0, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(e.data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    central.push(cd, name);
    offset += 30 + name.length + body.length;
  }
  const cdBuf = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cdBuf, eocd]);
}
