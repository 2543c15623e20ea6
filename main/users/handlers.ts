// Sign-in and the users of the register. The password-setting calls hash first (off the event loop), then write and
// audit in a transaction of their own; a change to an account ends that user's sessions.
import { defineHandlers, ownCommand, query, sessionCommand, signedIn, type Ctx } from '../shared/handler.ts';
import { fieldError } from '../shared/errors.ts';
import { checkSignIn } from './sign-in.ts';
import { guardOf } from './throttle.ts';
import { hashPassword } from './passwords.ts';
import { accountNamed, checkPassword, createUser, listUsers, needsSetup, setDisabled, setRole, setupAdmin, storePassword, unlock } from './users.ts';

const attempt = (ctx: Ctx, method: 'auth.signIn' | 'auth.changePassword') =>
  ({ db: ctx.db, guard: guardOf(ctx.sessions), client: ctx.client ?? 'unknown', method });

export const usersHandlers = defineHandlers({
  'auth.status': query(({ db, user }) => ({ needsSetup: needsSetup(db), user })),
  'auth.setupAdmin': ownCommand(async (ctx, a) => {
    const user = await setupAdmin(ctx.db, a);
    return { session: ctx.sessions.open(user), user };
  }),
  'auth.signIn': sessionCommand(async (ctx, a) => {
    const user = await checkSignIn(attempt(ctx, 'auth.signIn'), a.login, a.password);
    return { session: ctx.sessions.open(user), user };
  }),
  'auth.signOut': sessionCommand((ctx) => {
    ctx.sessions.close(ctx.session);
    return { ok: true as const };
  }),
  'auth.changePassword': ownCommand(async (ctx, a) => {
    const me = signedIn(ctx.user);
    checkPassword(a.password, me.login);
    if (a.password === a.oldPassword) throw fieldError('password', 'Новый пароль совпадает с текущим');
    await checkSignIn(attempt(ctx, 'auth.changePassword'), me.login, a.oldPassword, false);
    const row = accountNamed(ctx.db, me.login);
    storePassword(ctx.db, me, row, await hashPassword(a.password), 'auth.changePassword');
    ctx.sessions.endUser(me.id, 'Пароль изменён: войдите с новым паролем', ctx.session);
    return { ok: true as const };
  }),

  'users.list': query(({ db }) => listUsers(db)),
  'users.create': ownCommand(async (ctx, a) => createUser(ctx.db, a, signedIn(ctx.user).login, 'users.create')),
  'users.resetPassword': ownCommand(async (ctx, a) => {
    const admin = signedIn(ctx.user);
    const before = accountNamed(ctx.db, a.login);
    checkPassword(a.password, before.login);
    const hash = await hashPassword(a.password);
    const row = accountNamed(ctx.db, a.login); // as it is now, after the wait
    const after = storePassword(ctx.db, admin, row, hash, 'users.resetPassword');
    ctx.sessions.endUser(after.id, 'Пароль изменён администратором: войдите с новым паролем', admin.id === after.id ? ctx.session : null);
    return after;
  }),
  'users.disable': ownCommand((ctx, a) => {
    const after = setDisabled(ctx.db, signedIn(ctx.user), a.login, true);
    ctx.sessions.endUser(after.id, 'Учётная запись отключена администратором');
    return after;
  }),
  'users.enable': ownCommand((ctx, a) => setDisabled(ctx.db, signedIn(ctx.user), a.login, false)),
  'users.setRole': ownCommand((ctx, a) => {
    const before = accountNamed(ctx.db, a.login);
    const after = setRole(ctx.db, signedIn(ctx.user), a.login, a.role);
    if (before.role !== after.role) ctx.sessions.endUser(after.id, 'Администратор изменил вашу роль: войдите снова');
    return after;
  }),
  'users.unlock': ownCommand((ctx, a) => unlock(ctx.db, signedIn(ctx.user), a.login)),
});
