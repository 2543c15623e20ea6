import { useCallback, useEffect, useState } from 'react';
import { asFailure, call, type ApiFailure } from '../api';
import type { Input, Method, Output } from '../../../preload/contract';

export type Query<T> = { data: T | undefined; error: ApiFailure | null; loading: boolean; reload: () => void };

/** Loads one method's answer and reloads it when the arguments change. Keeps the last answer while reloading. */
export function useQuery<M extends Method>(method: M, args: Input<M>, enabled = true): Query<Output<M>> {
  const key = JSON.stringify(args);
  const [version, setVersion] = useState(0);
  const [state, setState] = useState<{ data: Output<M> | undefined; error: ApiFailure | null; loading: boolean }>({
    data: undefined, error: null, loading: enabled,
  });
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    call(method, JSON.parse(key) as Input<M>).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: undefined, error: asFailure(error), loading: false }),
    );
    return () => { live = false; };
  }, [method, key, version, enabled]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { ...state, reload };
}
