// Sessions end: after two hours without a call, and twelve hours after sign-in whatever happens; a signed-out or
// expired token is refused as unauthenticated by the backend.
import { describe, expect, it } from 'vitest';
import { Sessions, SESSION_IDLE_MS, SESSION_MAX_MS } from '../../main/users/users.ts';
import type { User } from '../../preload/contract.ts';

const clerk: User = { id: 7, login: 'clerk', fullName: 'Иванова Анна', role: 'clerk' };

describe('sessions', () => {
  it('an idle session ends after the idle limit; each call keeps it alive', () => {
    let now = 1_000_000;
    const s = new Sessions({ now: () => now });
    const t = s.open(clerk);
    now += SESSION_IDLE_MS - 1;
    expect(s.userId(t)).toBe(7);
    now += SESSION_IDLE_MS - 1; // a call just now restarted the idle clock
    expect(s.userId(t)).toBe(7);
    now += SESSION_IDLE_MS + 1;
    expect(s.userId(t)).toBeNull();
    now -= SESSION_IDLE_MS; // once ended, it stays ended
    expect(s.userId(t)).toBeNull();
  });

  it('a busy session still ends at the absolute limit', () => {
    let now = 0;
    const s = new Sessions({ now: () => now });
    const t = s.open(clerk);
    for (now = 0; now < SESSION_MAX_MS; now += SESSION_IDLE_MS / 2) expect(s.userId(t)).toBe(7);
    now = SESSION_MAX_MS + 1;
    expect(s.userId(t)).toBeNull();
  });

  it('tokens are random and independent; sign-out ends only its own', () => {
    const s = new Sessions();
    const a = s.open(clerk), b = s.open(clerk);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    s.close(a);
    expect(s.userId(a)).toBeNull();
    expect(s.userId(b)).toBe(7);
    expect(s.userId(undefined)).toBeNull();
    expect(s.userId('')).toBeNull();
  });
});
