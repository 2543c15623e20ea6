import { useEffect, useState } from 'react';

/** State that survives leaving the screen and coming back (for search boxes and filters). */
export function useStoredState<T>(key: string, initial: T): [T, (value: T) => void] {
  const storageKey = `schoolRegister.ui.${key}`;
  const [value, setValue] = useState<T>(() => {
    const stored = sessionStorage.getItem(storageKey);
    if (stored === null) return initial;
    try { return JSON.parse(stored) as T; } catch { return initial; }
  });
  const set = (next: T) => { sessionStorage.setItem(storageKey, JSON.stringify(next)); setValue(next); };
  return [value, set];
}

export function useDebounced<T>(value: T, ms = 250): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}
