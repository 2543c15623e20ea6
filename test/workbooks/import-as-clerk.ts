// The journal import as the app runs it (main/workbooks/import-api.ts, which the handlers call): the file travels as
// bytes, the preview gives the token, the commit reads the file again and writes the rows with their audit entry.
import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import type { Input, Output, User } from '../../preload/contract.ts';
import { Jobs, type Progress } from '../../main/shared/jobs.ts';
import { commitImport, previewImport } from '../../main/workbooks/import-api.ts';

const CLERK: User = { id: 1, login: 'admin', fullName: 'Администратор Иван Петрович', role: 'admin' };
type More = Partial<Omit<Input<'import.preview'>, 'kind' | 'fileName' | 'dataBase64'>>;

export const importArgs = (file: string, more: More = {}, kind: 'marks' | 'students' = 'marks'): Input<'import.preview'> =>
  ({ kind, fileName: path.basename(file), dataBase64: fs.readFileSync(file).toString('base64'), ...more });

export const previewAsClerk = (db: DB, file: string, more: More = {}, kind: 'marks' | 'students' = 'marks') =>
  previewImport(db, importArgs(file, more, kind));

/** The commit with the token of the preview the clerk saw; without one, of a preview made just before (as the screen does). */
export async function commitAsClerk(db: DB, file: string, more: More & { token?: string; allowRejected?: boolean } = {},
  opts: { kind?: 'marks' | 'students'; progress?: Progress } = {}): Promise<Output<'import.commit'>> {
  const { token, allowRejected, ...rest } = more;
  const a = importArgs(file, rest, opts.kind);
  return commitImport(db, new Jobs(), CLERK, { ...a, token: token ?? (await previewImport(db, a)).token, allowRejected }, opts.progress);
}
