import fs from 'node:fs';
import crypto from 'node:crypto';
import { openRegister } from '../../db/connection.ts';
import { previewMarksImport } from '../../main/workbooks/marks-import.ts';
const db = openRegister('/tmp/b/imp/template.sqlite');
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  const p = await previewMarksImport(db, '/tmp/b/imp/journal.xlsx', { year: '2026/2027' });
  const t1 = performance.now();
  const tok = crypto.createHash('sha256').update(JSON.stringify([1, p.writes.map((w) => [w.studentId, w.subjectId, w.slot, w.periodId, w.from, w.mark])])).digest('hex');
  console.log('preview', (t1 - t).toFixed(0), 'token alone', (performance.now() - t1).toFixed(0));
}
