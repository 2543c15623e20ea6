import { createContext, useContext } from 'react';
import { allowed } from '../api';
import type { Method, User } from '../../../preload/contract';

export const UserContext = createContext<User | null>(null);

export function useUser(): User {
  const user = useContext(UserContext);
  if (!user) throw new Error('useUser outside a signed-in shell');
  return user;
}

/** Whether the signed-in user's role may call a method (from the contract's roles). */
export function useCan(method: Method): boolean {
  return allowed(useContext(UserContext)?.role, method);
}
