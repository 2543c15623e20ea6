// School settings: whether '1' is on the scale; whether every ledger is sealed before the promotion. One row, kept by
// the schema.
import type { DB } from '../../db/connection.ts';
import type { Settings } from '../../preload/contract.ts';
import { fieldError } from '../shared/errors.ts';

export function getSettings(db: DB): Required<Settings> {
  const r = db.prepare('SELECT allow_mark_one, require_sealed_before_promotion FROM settings WHERE id = 1').get() as
    { allow_mark_one: number; require_sealed_before_promotion: number } | undefined;
  return { allowMarkOne: r?.allow_mark_one === 1, requireSealedBeforePromotion: r?.require_sealed_before_promotion === 1 };
}

export function setSettings(db: DB, s: Settings): Settings {
  if (!s.allowMarkOne && db.prepare("SELECT 1 FROM marks WHERE mark = '1' LIMIT 1").get()) {
    throw fieldError('allowMarkOne', 'В реестре уже есть оценки «1»: запрет нельзя включить, пока они не исправлены');
  }
  db.prepare('UPDATE settings SET allow_mark_one = ? WHERE id = 1').run(s.allowMarkOne ? 1 : 0);
  if (s.requireSealedBeforePromotion != null) {
    db.prepare('UPDATE settings SET require_sealed_before_promotion = ? WHERE id = 1').run(s.requireSealedBeforePromotion ? 1 : 0);
  }
  return getSettings(db);
}
