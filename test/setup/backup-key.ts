// Every test file gets a backup key file of its own (SCHOOL_REGISTER_BACKUP_KEY_FILE), in a temp folder: no test reads
// or writes the key in the user's profile, and the command lines a test starts inherit the same key.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

if (!process.env.SCHOOL_REGISTER_BACKUP_KEY_FILE) {
  process.env.SCHOOL_REGISTER_BACKUP_KEY_FILE = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sr-test-key-')), 'backup.key');
}
