// The numbered, forward-only migrations, in order. A migration is never edited once released:
// a change to the schema is a new file here. They are TypeScript modules so that bundling ships them.
import m0001 from './0001_register.ts';
import m0002 from './0002_marks.ts';
import m0003 from './0003_import_mappings.ts';

export type Migration = { version: number; name: string; sql: string };

export const migrations: readonly Migration[] = [
  { version: 1, name: '0001_register', sql: m0001 },
  { version: 2, name: '0002_marks', sql: m0002 },
  { version: 3, name: '0003_import_mappings', sql: m0003 },
];
