// The academic year the clerk is working in, shared by the screens that show one year at a time.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { Year } from '../../../preload/contract';
import { todayIso } from '../../../preload/core/dates';
import { useQuery } from '../ui/useQuery';

type YearState = { years: Year[]; loaded: boolean; yearId: number | null; setYearId: (id: number) => void; reload: () => void };
const YearContext = createContext<YearState>({ years: [], loaded: false, yearId: null, setYearId: () => {}, reload: () => {} });

const KEY = 'schoolRegister.yearId';

/** The year that contains today, else the latest one. */
export function currentYear(years: Year[]): Year | undefined {
  const today = todayIso();
  return years.find((y) => y.startDate <= today && today <= y.endDate)
    ?? [...years].sort((a, b) => b.startDate.localeCompare(a.startDate))[0];
}

export function YearProvider({ children }: { children: ReactNode }) {
  const query = useQuery('years.list', {});
  const years = query.data ?? [];
  const [yearId, setYearIdState] = useState<number | null>(() => Number(sessionStorage.getItem(KEY)) || null);
  const setYearId = (id: number) => { sessionStorage.setItem(KEY, String(id)); setYearIdState(id); };

  useEffect(() => {
    if (!query.data) return;
    if (yearId === null || !query.data.some((y) => y.id === yearId)) {
      const current = currentYear(query.data);
      if (current) setYearId(current.id);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query.data]);

  const effective = years.some((y) => y.id === yearId) ? yearId : currentYear(years)?.id ?? null;
  return (
    <YearContext.Provider value={{ years, loaded: query.data !== undefined, yearId: effective, setYearId, reload: query.reload }}>
      {children}
    </YearContext.Provider>
  );
}

export const useYears = () => useContext(YearContext);

/** Years newest first, for selects. */
export function sortedYears(years: Year[]): Year[] {
  return [...years].sort((a, b) => b.startDate.localeCompare(a.startDate));
}
