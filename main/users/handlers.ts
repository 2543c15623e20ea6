// Sign-in and the users of the register.
import { defineHandlers, command, query, sessionCommand } from '../shared/handler.ts';
import { checkCredentials, createUser, listUsers, needsSetup, setupAdmin } from './users.ts';

export const usersHandlers = defineHandlers({
  'auth.status': query(({ db, user }) => ({ needsSetup: needsSetup(db), user })),
  'auth.setupAdmin': command((ctx, a) => {
    const user = setupAdmin(ctx.db, a);
    return { session: ctx.sessions.open(user), user };
  }),
  'auth.signIn': sessionCommand((ctx, a) => {
    const user = checkCredentials(ctx.db, a.login, a.password);
    return { session: ctx.sessions.open(user), user };
  }),
  'auth.signOut': sessionCommand((ctx) => {
    ctx.sessions.close(ctx.session);
    return { ok: true as const };
  }),
  'users.list': query(({ db }) => listUsers(db)),
  'users.create': command(({ db }, a) => createUser(db, a)),
});
