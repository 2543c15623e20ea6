import Database from 'better-sqlite3';
const db = new Database(':memory:');
db.exec('CREATE TABLE t (a TEXT, b INT, c INT, d INT, e TEXT, f INT, g TEXT)');
const rows: any[] = []; for (let i = 0; i < 100000; i++) rows.push(['000620fc-0cb3-4762-b560-f0e761a1d759', 3, 7, 1, 'period', 5, '5']);
for (const k of [1, 2, 3]) {
  db.exec('DELETE FROM t');
  const ins = db.prepare('INSERT INTO t SELECT j.value ->> 0, j.value ->> 1, ?, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5 FROM json_each(?) j');
  let t = performance.now();
  db.transaction(() => { for (let i = 0; i < rows.length; i += 2000) ins.run(1, JSON.stringify(rows.slice(i, i + 2000))); })();
  console.log('json', (performance.now() - t).toFixed(0));
  db.exec('DELETE FROM t');
  const one = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)');
  t = performance.now();
  db.transaction(() => { for (const r of rows) one.run(r[0], r[1], 1, r[2], r[3], r[4], r[5]); })();
  console.log('row', (performance.now() - t).toFixed(0));
  db.exec('DELETE FROM t');
  const ins2 = db.prepare('INSERT INTO t SELECT j.value ->> 0, 1, 1, 1, \'period\', 1, j.value ->> 1 FROM json_each(?) j');
  t = performance.now();
  db.transaction(() => { for (let i = 0; i < rows.length; i += 2000) ins2.run(JSON.stringify(rows.slice(i, i + 2000).map((r: any) => [r[0], r[6]]))); })();
  console.log('json2', (performance.now() - t).toFixed(0));
}
