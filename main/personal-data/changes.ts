// Change counters (migration 0020): triggers move a counter per area and class on every write of marks, attendance and
// students, whichever connection or program makes it. A screen reads its counter, then its data; a larger counter later
// means its data are stale. One primary-key lookup: cheap enough to poll every few seconds from every workplace.
import type { DB } from '../../db/connection.ts';

export function changeCounter(db: DB, area: 'marks' | 'students', classId?: number): number {
  const scope = area === 'marks' ? classId ?? 0 : 0;
  const r = db.prepare('SELECT counter FROM change_counters WHERE area = ? AND scope = ?').get(area, scope) as { counter: number } | undefined;
  return r?.counter ?? 0;
}
