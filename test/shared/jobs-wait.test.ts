// Jobs.wait: a caller in the same process (the CLI) follows a job's progress and gets its result, or its error as thrown.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../main/shared/errors.ts';
import { CancelledError, Jobs } from '../../main/shared/jobs.ts';

class Refused extends AppError {
  constructor(readonly report: { checks: string[] }) {
    super('validation', 'отказано');
  }
}

describe('Jobs.wait', () => {
  it('reports progress as it comes and resolves to the result', async () => {
    const jobs = new Jobs();
    const id = jobs.start('t', async (p) => {
      for (let i = 1; i <= 3; i++) {
        await new Promise((r) => setTimeout(r, 5));
        p.report(i, 3, `шаг ${i}`);
      }
      return { ok: 42 };
    });
    const seen: string[] = [];
    expect(await jobs.wait(id, (d, t, m) => seen.push(`${d}/${t} ${m}`))).toEqual({ ok: 42 });
    expect(seen).toEqual(['1/3 шаг 1', '2/3 шаг 2', '3/3 шаг 3']);
    expect(await jobs.wait(id)).toEqual({ ok: 42 }); // a finished job answers at once
  });

  it('rejects with the AppError the job threw (its own fields kept), an internal error as AppError, a cancel as CancelledError', async () => {
    const jobs = new Jobs();
    const refused = jobs.start('t', async () => { throw new Refused({ checks: ['нет файла'] }); });
    await expect(jobs.wait(refused)).rejects.toMatchObject({ code: 'validation', message: 'отказано', report: { checks: ['нет файла'] } });
    const crashed = jobs.start('t', async () => { throw new Error('сломалось'); });
    await expect(jobs.wait(crashed)).rejects.toMatchObject({ code: 'internal', message: 'Внутренняя ошибка: сломалось' });
    const long = jobs.start('t', async (p) => {
      for (;;) {
        await new Promise((r) => setTimeout(r, 5));
        p.throwIfCancelled();
      }
    }, { owner: 'a' });
    const waiting = jobs.wait(long);
    jobs.cancel(long, { login: 'a', role: 'clerk' });
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    expect(jobs.status(long)).not.toHaveProperty('settled'); // the status stays what it was
    await expect(jobs.wait('нет такого')).rejects.toMatchObject({ code: 'not_found' });
  });
});
