import { t } from '../strings';

export function Pager({ page, pages, onPage }: { page: number; pages: number; onPage: (page: number) => void }) {
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label={t.common.pageOf(page, pages)}>
      <button type="button" onClick={() => onPage(page - 1)} disabled={page <= 1}>{t.common.prevPage}</button>
      <span>{t.common.pageOf(page, pages)}</span>
      <button type="button" onClick={() => onPage(page + 1)} disabled={page >= pages}>{t.common.nextPage}</button>
    </nav>
  );
}
