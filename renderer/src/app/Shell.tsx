import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Method } from '../../../preload/contract';
import { allowed } from '../api';
import { match, usePath } from '../router';
import { AlphabetBook } from '../screens/alphabet-book/AlphabetBook';
import { ArchiveScreen } from '../screens/archive/ArchiveScreen';
import { AttestatsScreen } from '../screens/attestats/AttestatsScreen';
import { AuditScreen } from '../screens/audit/AuditScreen';
import { ReadLogScreen } from '../screens/read-log/ReadLogScreen';
import { ClassPage } from '../screens/classes/ClassPage';
import { ClassesList } from '../screens/classes/ClassesList';
import { ClassSheet } from '../screens/classes/ClassSheet';
import { GradesScreen } from '../screens/grades/GradesScreen';
import { ImportScreen } from '../screens/import/ImportScreen';
import { LedgersScreen } from '../screens/ledgers/LedgersScreen';
import { CityRegisterExport } from '../screens/export/CityRegisterExport';
import { OrderPage } from '../screens/orders/OrderPage';
import { PacketsScreen } from '../screens/packets/PacketsScreen';
import { OrdersBook } from '../screens/orders/OrdersBook';
import { PromotionForm } from '../screens/orders/PromotionForm';
import { GraduationForm } from '../screens/orders/GraduationForm';
import { DebtsScreen } from '../screens/orders/DebtsScreen';
import { SchoolProfile } from '../screens/school/SchoolProfile';
import { StaffScreen } from '../screens/staff/StaffScreen';
import { StudentCard } from '../screens/students/StudentCard';
import { StudentForm } from '../screens/students/StudentForm';
import { StudentsList } from '../screens/students/StudentsList';
import { SubjectsScreen } from '../screens/subjects/SubjectsScreen';
import { UsersScreen } from '../screens/users/UsersScreen';
import { ChangePasswordScreen } from '../screens/users/ChangePassword';
import { VerifyScreen } from '../screens/verify/VerifyScreen';
import { YearsScreen } from '../screens/years/YearsScreen';
import { NextYearScreen } from '../screens/years/NextYearScreen';
import { FirstGradersScreen } from '../screens/years/FirstGradersScreen';
import { StartChecklist } from '../screens/start/StartChecklist';
import { NetworkScreen } from '../screens/network/NetworkScreen';
import { NetworkBanner } from './NetworkBanner';
import { t } from '../strings';
import { PageHeader } from '../ui/common';
import { useUser } from './user';
import { YearProvider } from './years';

type NavItem = { to: string; label: string; needs: Method; group: 'register' | 'reference' | 'admin' };
const NAV: NavItem[] = [
  { to: '/students', label: t.nav.students, needs: 'students.search', group: 'register' },
  { to: '/students/new', label: t.nav.newStudent, needs: 'students.create', group: 'register' },
  { to: '/classes', label: t.nav.classes, needs: 'classes.list', group: 'register' },
  { to: '/grades', label: t.nav.grades, needs: 'grades.grid', group: 'register' },
  { to: '/import', label: t.nav.importJournal, needs: 'import.preview', group: 'register' },
  { to: '/export/city', label: t.nav.exportCity, needs: 'export.cityRegister', group: 'register' },
  { to: '/ledgers', label: t.nav.ledgers, needs: 'ledgers.list', group: 'register' },
  { to: '/verify', label: t.nav.verify, needs: 'ledgers.verify', group: 'register' },
  { to: '/orders', label: t.nav.orders, needs: 'orders.list', group: 'register' },
  { to: '/book', label: t.nav.book, needs: 'alphabetBook.list', group: 'register' },
  { to: '/attestats', label: t.nav.attestats, needs: 'attestats.list', group: 'register' },
  { to: '/staff', label: t.nav.staff, needs: 'staff.list', group: 'reference' },
  { to: '/subjects', label: t.nav.subjects, needs: 'subjects.list', group: 'reference' },
  { to: '/years', label: t.nav.years, needs: 'years.list', group: 'reference' },
  { to: '/school', label: t.nav.school, needs: 'school.update', group: 'admin' },
  { to: '/users', label: t.nav.users, needs: 'users.list', group: 'admin' },
  { to: '/audit', label: t.nav.audit, needs: 'audit.list', group: 'admin' },
  { to: '/read-log', label: t.personalData.readLog, needs: 'readLog.list', group: 'admin' },
  { to: '/archive', label: t.nav.archive, needs: 'media.list', group: 'admin' },
  { to: '/packets', label: t.nav.packets, needs: 'packets.list', group: 'admin' },
  { to: '/network', label: t.network.nav, needs: 'network.share', group: 'admin' },
];

type Route = { pattern: string; needs: Method; render: (p: Record<string, string>) => ReactNode };
const ROUTES: Route[] = [
  { pattern: '/students', needs: 'students.search', render: () => <StudentsList /> },
  { pattern: '/students/new', needs: 'students.create', render: () => <StudentForm /> },
  { pattern: '/students/:id', needs: 'students.get', render: (p) => <StudentCard key={p.id} id={p.id} /> },
  { pattern: '/students/:id/edit', needs: 'students.update', render: (p) => <StudentForm key={p.id} id={p.id} /> },
  { pattern: '/classes', needs: 'classes.list', render: () => <ClassesList /> },
  { pattern: '/classes/:id', needs: 'classes.list', render: (p) => <ClassPage key={p.id} id={Number(p.id)} /> },
  { pattern: '/classes/:id/sheet', needs: 'ledgers.get', render: (p) => <ClassSheet key={p.id} classId={Number(p.id)} /> },
  { pattern: '/grades', needs: 'grades.grid', render: () => <GradesScreen /> },
  { pattern: '/grades/:classId', needs: 'grades.grid', render: (p) => <GradesScreen classId={Number(p.classId)} /> },
  { pattern: '/grades/:classId/:subjectId', needs: 'grades.grid',
    render: (p) => <GradesScreen classId={Number(p.classId)} subjectId={Number(p.subjectId)} /> },
  { pattern: '/import', needs: 'import.preview', render: () => <ImportScreen /> },
  { pattern: '/export/city', needs: 'export.cityRegister', render: () => <CityRegisterExport /> },
  { pattern: '/ledgers', needs: 'ledgers.list', render: () => <LedgersScreen /> },
  { pattern: '/ledgers/:classId', needs: 'ledgers.get', render: (p) => <LedgersScreen classId={Number(p.classId)} /> },
  { pattern: '/verify', needs: 'ledgers.verify', render: () => <VerifyScreen /> },
  { pattern: '/orders', needs: 'orders.list', render: () => <OrdersBook /> },
  { pattern: '/orders/promote', needs: 'orders.promote', render: () => <PromotionForm /> },
  { pattern: '/orders/graduate', needs: 'orders.graduate', render: () => <GraduationForm /> },
  { pattern: '/orders/debts', needs: 'debts.list', render: () => <DebtsScreen /> },
  { pattern: '/orders/:id', needs: 'orders.movements', render: (p) => <OrderPage key={p.id} id={Number(p.id)} /> },
  { pattern: '/book', needs: 'alphabetBook.list', render: () => <AlphabetBook /> },
  { pattern: '/attestats', needs: 'attestats.list', render: () => <AttestatsScreen /> },
  { pattern: '/staff', needs: 'staff.list', render: () => <StaffScreen /> },
  { pattern: '/subjects', needs: 'subjects.list', render: () => <SubjectsScreen /> },
  { pattern: '/years', needs: 'years.list', render: () => <YearsScreen /> },
  { pattern: '/years/next', needs: 'years.nextPreview', render: () => <NextYearScreen /> },
  { pattern: '/years/first-graders', needs: 'students.enrolFirstGraders', render: () => <FirstGradersScreen /> },
  { pattern: '/school', needs: 'school.update', render: () => <SchoolProfile /> },
  { pattern: '/users', needs: 'users.list', render: () => <UsersScreen /> },
  { pattern: '/password', needs: 'auth.changePassword', render: () => <ChangePasswordScreen /> },
  { pattern: '/audit', needs: 'audit.list', render: () => <AuditScreen /> },
  { pattern: '/read-log', needs: 'readLog.list', render: () => <ReadLogScreen /> },
  { pattern: '/archive', needs: 'media.list', render: () => <ArchiveScreen /> },
  { pattern: '/packets', needs: 'packets.list', render: () => <PacketsScreen /> },
  { pattern: '/network', needs: 'network.share', render: () => <NetworkScreen /> },
];

function resolve(path: string, role: Parameters<typeof allowed>[0]): ReactNode {
  for (const route of ROUTES) {
    const params = match(route.pattern, path);
    if (params) {
      if (!allowed(role, route.needs)) return <PageHeader title={t.errors.byCode.forbidden} />;
      return route.render(params);
    }
  }
  return <PageHeader title={t.common.notFound} />;
}

/** The section a path belongs to: the longest nav prefix, so /students/new lights «Новый ученик», /students/x lights «Ученики». */
function activeNav(path: string): string | undefined {
  const bare = path.split('?')[0];
  return NAV.map((n) => n.to)
    .filter((to) => bare === to || (bare.startsWith(`${to}/`) && !NAV.some((n) => n.to === bare)))
    .sort((a, b) => b.length - a.length)[0];
}

export function Shell({ onSignOut }: { onSignOut: () => void }) {
  const user = useUser();
  const raw = usePath();
  const path = raw === '/' ? '/students' : raw;
  const items = NAV.filter((n) => allowed(user.role, n.needs));
  const active = activeNav(path);
  const groups: Array<NavItem['group']> = ['register', 'reference', 'admin'];
  // On a screen too low for the whole menu it scrolls: then it says so, rather than hide the last sections.
  const navRef = useRef<HTMLElement>(null);
  const [navScrolls, setNavScrolls] = useState(false);
  useEffect(() => {
    const nav = navRef.current;
    if (!nav) return;
    const check = () => setNavScrolls(nav.scrollHeight > nav.clientHeight + 1 && nav.scrollTop + nav.clientHeight < nav.scrollHeight - 1);
    check();
    const ro = new ResizeObserver(check);
    ro.observe(nav);
    nav.addEventListener('scroll', check);
    return () => { ro.disconnect(); nav.removeEventListener('scroll', check); };
  }, [items.length]);

  return (
    <YearProvider>
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        {t.app.skipToContent}
      </a>
      <div className="shell">
        <aside className="sidebar">
          <div className="brand-block">
            <div className="brand-title">{t.app.title}</div>
            <div className="brand-sub">{t.app.subtitle}</div>
          </div>
          <nav aria-label={t.nav.label} ref={navRef} data-testid="nav">
            {groups.map((g) => {
              const inGroup = items.filter((n) => n.group === g);
              if (!inGroup.length) return null;
              return (
                <ul key={g} className="nav-group">
                  {inGroup.map((n) => (
                    <li key={n.to}>
                      <a href={`#${n.to}`} aria-current={active === n.to ? 'page' : undefined}>{n.label}</a>
                    </li>
                  ))}
                </ul>
              );
            })}
          </nav>
          {navScrolls && <div className="nav-more small" role="note" data-testid="nav-more">{t.navMore}</div>}
          <div className="user-block" data-testid="current-user">
            <div className="muted small">{t.nav.signedInAs}</div>
            <div className="user-name">{user.fullName}</div>
            <div className="muted small">{t.roles[user.role]} · {user.login}</div>
            <a href="#/password" className="small" aria-current={path === '/password' ? 'page' : undefined}>{t.account.link}</a>
            <button type="button" className="link-button" onClick={onSignOut}>{t.nav.signOut}</button>
          </div>
        </aside>
        <main id="main" className="content" tabIndex={-1}>
          <NetworkBanner />
          {path === '/students' && <StartChecklist />}
          {resolve(path, user.role)}
        </main>
      </div>
    </YearProvider>
  );
}
