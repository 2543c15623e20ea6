// A program that logs two readings while another connection holds the register (test/personal-data/read-journal.test.ts),
// says so, and waits to be killed: its lines are in its side journal only.
import { openRegister } from '../../db/connection.ts';
import { logRead } from '../../main/personal-data/read-journal.ts';

const db = openRegister(process.argv[2]);
await logRead(db, { login: 'crashed', workplace: 'Кабинет 7', method: 'students.get', kind: 'card', args: {}, studentIds: [] });
await logRead(db, { login: 'crashed', workplace: 'Кабинет 7', method: 'students.search', kind: 'list', args: { query: 'Ер' }, studentIds: [] });
console.log('logged 2');
setInterval(() => {}, 1000);
