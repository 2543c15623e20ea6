// School settings that shape the marks: whether '1' is on the scale. One row, kept by the schema.
import type { DB } from '../../db/connection.ts';
import type { Settings } from '../../preload/contract.ts';
import { fieldError } from '../shared/errors.ts';

export function getSettings(db: DB): Settings {
  const r = db.prepare('SELECT allow_mark_one FROM settings WHERE id = 1').get() as { allow_mark_one: number } | undefined;
  return { allowMarkOne: r?.allow_mark_one === 1 };
}

export function setSettings(db: DB, s: Settings): Settings {
  if (!s.allowMarkOne && db.prepare("SELECT 1 FROM marks WHERE mark = '1' LIMIT 1").get()) {
    throw fieldError('allowMarkOne', 'В реестре уже есть оценки «1»: запрет нельзя включить, пока они не исправлены');
  }
  db.prepare('UPDATE settings SET allow_mark_one = ? WHERE id = 1').run(s.allowMarkOne ? 1 : 0);
  return getSettings(db);
}
