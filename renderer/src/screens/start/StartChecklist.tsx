// The first-start checklist on the home page of a register that is not filled in yet: the school's details, a year,
// classes, staff, subjects, students — each with where to do it and done or not as the backend says. Gone once all
// are done.
import type { Method } from '../../../../preload/contract';
import { allowed } from '../../api';
import { useUser } from '../../app/user';
import { Link } from '../../router';
import { t } from '../../strings';
import { Badge } from '../../ui/common';
import { useQuery } from '../../ui/useQuery';

/** The screen each step's link opens, and what the user must be allowed to do there. */
const NEEDS: Record<string, Method> = {
  '/school': 'school.update', '/years': 'years.create', '/classes': 'classes.create', '/staff': 'staff.create', '/subjects': 'subjects.create',
  '/import': 'import.preview',
};

export function StartChecklist() {
  const user = useUser();
  const q = useQuery('register.checklist', {});
  if (!q.data || q.data.done) return null;
  const tx = t.start;
  const steps = q.data.steps;
  return (
    <section className="panel start-checklist" aria-labelledby="start-h" data-testid="start-checklist">
      <h2 id="start-h">{tx.title}</h2>
      <p className="lead">{tx.lead} <span className="muted">{tx.progress(steps.filter((s) => s.done).length, steps.length)}</span></p>
      <ol className="start-steps">
        {steps.map((s) => {
          const step = tx.steps[s.key];
          const can = allowed(user.role, NEEDS[step.link]);
          return (
            <li key={s.key} data-testid={`start-${s.key}`} data-done={s.done}>
              <Badge kind={s.done ? 'ok' : 'muted'}>{s.done ? tx.done : tx.todo}</Badge>{' '}
              <strong>{step.label}</strong>{s.done && s.key !== 'school' ? <span className="muted small"> · {tx.count(s.count)}</span> : null}
              <div className="muted small">{step.hint}</div>
              {!s.done && can && (
                <div className="small">
                  <Link to={step.link}>{step.action}</Link>
                  {s.key === 'students' && allowed(user.role, 'students.create') && <> {tx.studentsByHand}: <Link to="/students/new">{t.nav.newStudent}</Link></>}
                </div>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
