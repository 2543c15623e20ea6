import Database from 'better-sqlite3';
import fs from 'node:fs';
const file = process.argv[2];
if (file !== ':memory:') for (const s of ['', '-wal', '-shm']) fs.rmSync(file + s, { force: true });
const db = new Database(file); if (file !== ':memory:') { db.pragma('journal_mode = WAL'); db.pragma('synchronous = FULL'); }
db.exec(process.env.DDL!);
const rows: any[] = []; for (let i = 0; i < 25000; i++) rows.push([crypto.randomUUID(), i % 5, 7, '5', '4', '3', '5']);
if (process.env.SORT) rows.sort((a: any, b: any) => a[0] < b[0] ? -1 : 1);
const ins = db.prepare(`INSERT INTO w (student_id, subject_id, year_id, class_id, p1, p2, p3, p4)
    SELECT j.value ->> 0, j.value ->> 1, ?, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, j.value ->> 6 FROM json_each(?) j`);
const t = performance.now();
db.transaction(() => { for (let i = 0; i < rows.length; i += 2000) ins.run(1, JSON.stringify(rows.slice(i, i + 2000))); })();
console.log(process.env.NAME, file, (performance.now() - t).toFixed(0));
