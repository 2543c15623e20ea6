// «orders cancel» and «years next» from the command line (main/cli/turn-of-year.ts) on a real register: the same
// contract methods as the screens, exit 0 when done, 1 when refused with the reason (later movements named).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegister } from '../../db/connection.ts';
import { runCli } from '../../main/cli/index.ts';
import { adminClient, smallSchool } from '../helpers/register.ts';
import { scratchDir, studentInput, removeScratchDirs } from '../helpers/db.ts';
import { writeBook } from '../workbooks/make.ts';

afterAll(removeScratchDirs);

const dir = scratchDir('sr-turn-cli-');
const db = path.join(dir, 'register.sqlite');

async function run(args: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await runCli([...args, '--db', db], { out: (s) => out.push(s) > 0, err: (s) => err.push(s) > 0 });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

beforeAll(async () => {
  const c = await adminClient(dir);
  const s = await smallSchool(c);
  await c.call('curriculum.set', { classId: s.a.id, subjectIds: [s.math.id, s.rus.id] });
  const p = await c.call('students.create', studentInput({ lastName: 'Тихонов', firstName: 'Тимур', sex: 'М' }));
  await c.call('orders.enrol', { order: { number: '1-у', date: '2025-09-01' }, studentId: p.id, classId: s.a.id, date: '2025-09-01' });
  await c.call('orders.transfer', { order: { number: '2-п', date: '2025-10-01' }, studentId: p.id, toClassId: s.b.id, date: '2025-10-01' });
  await c.call('orders.transfer', { order: { number: '3-п', date: '2025-10-20' }, studentId: p.id, toClassId: s.a.id, date: '2025-10-20' });
  c.backend.close();
});

describe('the turn of the year from the command line', () => {
  it('orders cancel: later movements named and refused (exit 1); with --cascade written, each named', async () => {
    const refused = await run(['orders', 'cancel', '--cancels', '2-п', '--cancels-date', '01.10.2025', '--order', '4-п', '--order-date', '21.10.2025']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Ученики двигались позже по другим приказам \(1\): Тихонов Тимур.*перевод 5Б → 5А 20\.10\.2025 по приказу № 3-п/);
    const done = await run(['orders', 'cancel', '--cancels', '2-п', '--cancels-date', '01.10.2025', '--order', '4-п', '--order-date', '21.10.2025', '--cascade']);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('Записан приказ № 4-п от 21.10.2025: Об отмене приказа № 2-п от 01.10.2025 («О переводе»)');
    expect(done.stdout.split('\n').filter((l) => l.includes('отменено:'))).toHaveLength(2);
    const raw = openRegister(db, { create: false });
    try {
      expect(raw.prepare('SELECT count(*) AS n FROM movement_cancellations').get()).toEqual({ n: 2 });
      expect(raw.prepare("SELECT method FROM audit_log WHERE method = 'orders.cancel'").all()).toHaveLength(1);
    } finally {
      raw.close();
    }
  });

  it('years next: the plan with --dry-run, then the year opened; a second time, with nothing to add, refused', async () => {
    const plan = await run(['years', 'next', '--from', '2025/2026', '--first-classes', '1', '--dry-run']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/План 2026\/2027 учебного года/);
    expect(plan.stdout).toMatch(/6А \(из 5А\): Петрова Анна Сергеевна, смена 1; Математика, Русский язык/);
    const opened = await run(['years', 'next', '--from', '2025/2026', '--first-classes', '1']);
    expect(opened.code).toBe(0);
    expect(opened.stdout).toMatch(/Открыт 2026\/2027 учебный год: классов — 3 \(1А, 6А, 6Б\)/);
    const again = await run(['years', 'next', '--from', '2025/2026']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/2026\/2027 учебный год уже открыт полностью: все его классы \(3\) уже есть/);
  });

  it('import students --class: the pupils the workbook adds are enrolled by the order', async () => {
    const file = await writeBook(dir, 'Приём 1А.xlsx', { 'Лист1': [['ФИО', 'Дата рождения', 'Пол'], ['Ласточкина Лада Игоревна', '03.03.2019', 'Ж']] });
    const r = await run(['import', 'students', file, '--class', '1А', '--year', '2026/2027', '--order', '5-у', '--order-date', '15.06.2026', '--date', '01.09.2026']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/добавлено 1, .*; зачислено в 1А по приказу № 5-у: 1/);
    const raw = openRegister(db, { create: false });
    try {
      expect(raw.prepare(`SELECT c.parallel || c.letter AS k, m.start_date FROM class_memberships m JOIN classes c ON c.id = m.class_id
        JOIN students s ON s.id = m.student_id WHERE s.last_name = 'Ласточкина'`).all()).toEqual([{ k: '1А', start_date: '2026-09-01' }]);
    } finally {
      raw.close();
    }
  });
});
