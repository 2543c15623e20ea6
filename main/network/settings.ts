// The share's settings, key and certificate: private files in a folder beside the register, `<register>-network/`
// (0700; the files 0600), not a table in it. The key must not travel with the register: every backup and copy of the
// file would carry it, and a copy opened elsewhere could pose as this server. The address and port describe this
// computer's network card, not the school's records: a register restored on another computer must not start listening
// on an address that is not there. So a copy or a restore of the register is never shared until an admin shares it.
import fs from 'node:fs';
import path from 'node:path';
import { makePrivate } from '../shared/private-files.ts';
import { fingerprintOf, makeCertificate, pemToDer } from './certificate.ts';

export type ShareSettings = { shared: boolean; address: string; port: number; name: string | null; changedAt: string; changedBy: string };
export type Identity = { keyPem: string; certPem: string; fingerprint: string };

export const networkDir = (register: string) => `${register}-network`;
const file = (register: string, name: string) => path.join(networkDir(register), name);

function writePrivate(target: string, text: string): void {
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  makePrivate(dir);
  const tmp = `${target}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, target);
  makePrivate(target);
}

/** The admin's last choice for this register, or null: never shared (off by default). */
export function readSettings(register: string): ShareSettings | null {
  if (!register || register === ':memory:') return null;
  try {
    const s = JSON.parse(fs.readFileSync(file(register, 'settings.json'), 'utf8')) as Partial<ShareSettings>;
    if (typeof s.shared !== 'boolean' || typeof s.address !== 'string' || !Number.isInteger(s.port)) return null;
    return { shared: s.shared, address: s.address, port: s.port!, name: typeof s.name === 'string' ? s.name : null,
      changedAt: String(s.changedAt ?? ''), changedBy: String(s.changedBy ?? '') };
  } catch {
    return null;
  }
}

export function writeSettings(register: string, s: ShareSettings): void {
  if (!register || register === ':memory:') return;
  writePrivate(file(register, 'settings.json'), JSON.stringify(s, null, 1));
}

/**
 * The server's key and certificate, made on the first share and kept from then on (a new certificate would make every
 * workplace refuse it as changed). `addresses` and `names` go into a new certificate's subjectAltName.
 */
export async function serverIdentity(register: string, want: { addresses: string[]; names: string[] }): Promise<Identity & { made: boolean }> {
  const keyFile = file(register, 'key.pem');
  const certFile = file(register, 'cert.pem');
  if (fs.existsSync(keyFile) && fs.existsSync(certFile)) {
    makePrivate(keyFile);
    const certPem = fs.readFileSync(certFile, 'utf8');
    return { keyPem: fs.readFileSync(keyFile, 'utf8'), certPem, fingerprint: fingerprintOf(pemToDer(certPem)), made: false };
  }
  const id = await makeCertificate(want);
  if (register && register !== ':memory:') {
    writePrivate(keyFile, id.keyPem);
    writePrivate(certFile, id.certPem);
  }
  return { ...id, made: true };
}
