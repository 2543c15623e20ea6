// The central copy over real HTTP: a finished bag uploaded to the reference resumable server; a connection cut
// mid-file is resumed from the server's offset (not from zero); the server ends up with a bag that checks whole.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupRegister } from '../../main/backup/backup.ts';
import { checkBag } from '../../main/backup/bag.ts';
import { uploadBag } from '../../main/backup/upload.ts';
import { AUTHENTICATION, backupKeyFile, checkAuthenticity } from '../../main/backup/key.ts';
import { restoreBag } from '../../main/backup/restore.ts';
import { startResumableServer } from '../helpers/resumable-server.ts';
import { dirs, registerWithArchive, type Fixture } from './fixtures.ts';

let f: Fixture;
let bag: string;
beforeAll(async () => {
  f = await registerWithArchive();
  const [a, b] = dirs(f.root, 'u-A', 'u-B');
  const r = await backupRegister(f.c.backend.db, { destinations: [{ path: a }, { path: b }], confirmSameDevice: true });
  bag = r.destinations[0].bagPath!;
});
afterAll(() => f.c.backend.close());

describe('central copy: resumable upload', () => {
  it('a connection cut in the middle of the register file is resumed from where the server stopped', async () => {
    const store = dirs(f.root, 'central')[0];
    const size = fs.statSync(path.join(bag, 'data/register.sqlite')).size;
    const server = await startResumableServer(store, { dropAfter: Math.floor(size / 3), token: 't0ken' });
    try {
      const r = await uploadBag(bag, server.url, { token: 't0ken' }).catch((e) => e);
      expect(r, String(r?.message)).toMatchObject({ resumed: 1 });
      const first = server.puts.filter((p) => p.path.endsWith('data/register.sqlite'));
      expect(first.length).toBe(2);
      expect(first[0].start).toBe(0);
      expect(first[1].start).toBe(Math.floor(size / 3)); // resumed, not restarted
      const received = path.join(store, 'central', path.basename(bag));
      expect((await checkBag(received)).ok).toBe(true);
      const sha = (p: string) => crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
      expect(sha(path.join(received, 'data/register.sqlite'))).toBe(sha(path.join(bag, 'data/register.sqlite')));
      expect(server.puts.at(-1)!.path.endsWith('tagmanifest-sha256.txt')).toBe(true); // the tag manifest arrives last

      // sending again sends nothing: the server already holds every file whole
      const before = server.puts.length;
      const again = await uploadBag(bag, server.url, { token: 't0ken' });
      expect(again.skipped).toBe(again.files);
      expect(server.puts.length).toBe(before);
    } finally {
      await server.close();
    }
  });

  it('a wrong token is refused with a clear error, a damaged bag is not sent at all', async () => {
    const store = dirs(f.root, 'central2')[0];
    const server = await startResumableServer(store, { token: 'right' });
    try {
      await expect(uploadBag(bag, server.url, { token: 'wrong' })).rejects.toThrow(/отказало в доступе \(401\)/);
      const copy = path.join(dirs(f.root, 'dmg')[0], path.basename(bag));
      fs.cpSync(bag, copy, { recursive: true });
      fs.appendFileSync(path.join(copy, 'data/register.sqlite'), 'x');
      await expect(uploadBag(copy, server.url, { token: 'right' })).rejects.toThrow(/повреждена, в центральное хранилище не отправлена/);
      expect(server.puts).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('the authentication tag travels with the bag: the copy fetched back says who wrote it (openssl HMAC) and restores as genuine', async () => {
    const store = dirs(f.root, 'central3')[0];
    const server = await startResumableServer(store);
    try {
      const r = await uploadBag(bag, server.url);
      expect(r.authentic, r.authenticity).toBe(true);
      const sent = server.puts.map((p) => p.path.split('/').slice(2).join('/')); // central/<bag>/<file>
      expect(sent).toContain(AUTHENTICATION);
      expect(sent.indexOf(AUTHENTICATION)).toBeLessThan(sent.indexOf('tagmanifest-sha256.txt')); // before the bag counts as arrived
      expect(sent.at(-1)).toBe('tagmanifest-sha256.txt');
      const back = path.join(store, 'central', path.basename(bag)); // what the central store holds, as it would be fetched back
      expect(fs.readFileSync(path.join(back, AUTHENTICATION))).toEqual(fs.readFileSync(path.join(bag, AUTHENTICATION)));
      // the outside referee: openssl's HMAC-SHA-256 of the received tag manifest under the key file is the tag it carries
      const key = fs.readFileSync(backupKeyFile()).toString('hex');
      const mac = execFileSync('openssl', ['dgst', '-sha256', '-mac', 'HMAC', '-macopt', `hexkey:${key}`, '-r', path.join(back, 'tagmanifest-sha256.txt')], { encoding: 'utf8' }).split(' ')[0];
      expect(fs.readFileSync(path.join(back, AUTHENTICATION), 'utf8')).toMatch(new RegExp(`^Tag:\\s*${mac}\\s*$`, 'm'));
      expect(checkAuthenticity(back).genuine).toBe(true);
      const drill = await restoreBag(back, { drill: true });
      expect(drill.checks.find((c) => c.name === 'authentic')).toMatchObject({ ok: true });

      // a copy whose tag was left behind on the way is not genuine when it comes back
      fs.rmSync(path.join(back, AUTHENTICATION));
      expect(checkAuthenticity(back)).toMatchObject({ genuine: false });
    } finally {
      await server.close();
    }
  });
});
