// What every import's commit checks first: the clerk saw this preview (same token), and nothing was rejected
// unless the clerk chose to write the good rows anyway.
import { AppError } from '../shared/errors.ts';

/** A cell the preview refused, where the clerk finds it in the workbook, and why (in Russian). */
export type RejectedCell = { sheet: string; row: number; column: string | null; field: string | null; reason: string };

export function assertCommittable(p: { token: string; rejected: RejectedCell[] }, opts: { token?: string; allowRejected?: boolean }): void {
  if (opts.token && opts.token !== p.token) {
    throw new AppError('conflict', 'Файл или реестр изменились после предпросмотра: посмотрите предпросмотр ещё раз');
  }
  if (p.rejected.length && !opts.allowRejected) {
    const r = p.rejected[0];
    throw new AppError('validation', `Отклонено ячеек: ${p.rejected.length}; ничего не записано. Первая: лист «${r.sheet}», строка ${r.row}` +
      `${r.column ? `, столбец ${r.column}` : ''}: ${r.reason}`);
  }
}
