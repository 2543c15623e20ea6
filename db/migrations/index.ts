// The numbered, forward-only migrations, in order. A migration is never edited once released:
// a change to the schema is a new file here. They are TypeScript modules so that bundling ships them.
import m0001 from './0001_register.ts';
import m0002 from './0002_marks.ts';
import m0003 from './0003_import_mappings.ts';
import m0004 from './0004_ledgers.ts';
import m0005 from './0005_printouts.ts';
import m0006 from './0006_packets.ts';
import m0007 from './0007_archive.ts';
import m0008 from './0008_audit_anchor.ts';
import m0009 from './0009_changes_compaction.ts';
import m0010 from './0010_packet_tls_client.ts';
import m0011 from './0011_subject_marks.ts';
import m0012 from './0012_user_sign_in.ts';
import m0013 from './0013_books_rules.ts';
import m0014 from './0014_honours_decisions.ts';
import m0015 from './0015_screen_indexes.ts';
import m0016 from './0016_attestat_blanks.ts';
import m0017 from './0017_promotion_graduation.ts';
import m0018 from './0018_order_corrections.ts';
import m0019 from './0019_signing_settings.ts';
import m0020 from './0020_personal_data.ts';
import m0021 from './0021_electives_workstations.ts';
import m0022 from './0022_honours_blanks.ts';
import m0023 from './0023_read_log_journals.ts';

export type Migration = { version: number; name: string; sql: string };

export const migrations: readonly Migration[] = [
  { version: 1, name: '0001_register', sql: m0001 },
  { version: 2, name: '0002_marks', sql: m0002 },
  { version: 3, name: '0003_import_mappings', sql: m0003 },
  { version: 4, name: '0004_ledgers', sql: m0004 },
  { version: 5, name: '0005_printouts', sql: m0005 },
  { version: 6, name: '0006_packets', sql: m0006 },
  { version: 7, name: '0007_archive', sql: m0007 },
  { version: 8, name: '0008_audit_anchor', sql: m0008 },
  { version: 9, name: '0009_changes_compaction', sql: m0009 },
  { version: 10, name: '0010_packet_tls_client', sql: m0010 },
  { version: 11, name: '0011_subject_marks', sql: m0011 },
  { version: 12, name: '0012_user_sign_in', sql: m0012 },
  { version: 13, name: '0013_books_rules', sql: m0013 },
  { version: 14, name: '0014_honours_decisions', sql: m0014 },
  { version: 15, name: '0015_screen_indexes', sql: m0015 },
  { version: 16, name: '0016_attestat_blanks', sql: m0016 },
  { version: 17, name: '0017_promotion_graduation', sql: m0017 },
  { version: 18, name: '0018_order_corrections', sql: m0018 },
  { version: 19, name: '0019_signing_settings', sql: m0019 },
  { version: 20, name: '0020_personal_data', sql: m0020 },
  { version: 21, name: '0021_electives_workstations', sql: m0021 },
  { version: 22, name: '0022_honours_blanks', sql: m0022 },
  { version: 23, name: '0023_read_log_journals', sql: m0023 },
];
