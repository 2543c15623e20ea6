// The office network share (issue 18): an admin's choice, off by default. The door itself is the shell's
// (main/host/network.ts); here the contract's methods reach it and the audit log records who opened and closed it.
import { appendAudit } from '../audit/log.ts';
import { AppError } from '../shared/errors.ts';
import { defineHandlers, ownCommand, query, signedIn, type Ctx } from '../shared/handler.ts';
import type { NetworkControl } from '../shared/network-control.ts';

const door = (ctx: { network?: NetworkControl }): NetworkControl => {
  if (!ctx.network) throw new AppError('conflict', 'Открыть реестр для сети может только запущенное приложение или браузерная оболочка на компьютере реестра, не командная строка');
  return ctx.network;
};

/** The share's change and its audit entry (the address, and the certificate's fingerprint workplaces will compare). */
const audit = (ctx: Ctx, method: string, args: unknown, result: unknown) =>
  ctx.db.transaction(() => appendAudit(ctx.db, signedIn(ctx.user).login, method, { args, result })).immediate();

export const networkHandlers = defineHandlers({
  // every screen shows the state; who is connected from where, and the addresses to choose from, only to an admin
  'network.status': query((ctx) => {
    const s = door(ctx).status();
    return ctx.user?.role === 'admin' ? s : { ...s, addresses: [], workplaces: [] };
  }),
  'network.share': ownCommand(async (ctx, a) => {
    const { certificateMade, ...status } = await door(ctx).share(a, signedIn(ctx.user).login);
    audit(ctx, 'network.share', a, { url: status.url, fingerprint: status.fingerprint, certificateMade });
    return status;
  }),
  'network.stop': ownCommand(async (ctx) => {
    const status = await door(ctx).stop(signedIn(ctx.user).login);
    audit(ctx, 'network.stop', {}, { shared: false });
    return status;
  }),
});
