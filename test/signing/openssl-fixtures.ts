// Test certificates and PKCS#12 files made by the real openssl, as a school's would be.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const OPENSSL = fs.existsSync('/usr/bin/openssl') ? '/usr/bin/openssl' : 'openssl';
export const CYRILLIC_SUBJECT = '/C=RU/O=ГБОУ Школа № 1535/CN=Смирнова Елена Викторовна';
export const PASSWORD = 'secret-пароль-1';

export function openssl(args: string[], cwd: string, input?: Buffer): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(OPENSSL, args, { cwd, input, encoding: 'buffer' });
  return { status: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

function run(args: string[], cwd: string) {
  execFileSync(OPENSSL, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export type Fixtures = {
  dir: string;
  certPem: string; // the Cyrillic-named, valid, self-signed certificate
  p12Default: string; // OpenSSL 3 defaults, PASSWORD (non-ASCII)
  p12Ascii: string; // OpenSSL 3 defaults, ASCII password 'secret'
  p12Legacy: string; // -legacy, PASSWORD
  p12NoKey: string; // -nokeys, PASSWORD
  expiredP12: string; // valid 2020-01-01..2021-01-01, PASSWORD
  expiredCertPem: string;
  otherCertPem: string; // another school's certificate (ASCII subject)
  otherKeyPem: string;
  caCertPem: string; // a regional CA (Cyrillic name) ...
  leafP12: string; // ... and a school certificate it issued, exported with the CA as the chain, PASSWORD
};

export function makeFixtures(): Fixtures {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-signing-'));
  const pass = `pass:${PASSWORD}`;
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '365', '-subj', CYRILLIC_SUBJECT, '-utf8'], dir);
  run(['pkcs12', '-export', '-in', 'cert.pem', '-inkey', 'key.pem', '-out', 'default.p12', '-passout', pass], dir);
  run(['pkcs12', '-export', '-in', 'cert.pem', '-inkey', 'key.pem', '-out', 'ascii.p12', '-passout', 'pass:secret'], dir);
  run(['pkcs12', '-export', '-legacy', '-in', 'cert.pem', '-inkey', 'key.pem', '-out', 'legacy.p12', '-passout', pass], dir);
  run(['pkcs12', '-export', '-nokeys', '-in', 'cert.pem', '-out', 'nokey.p12', '-passout', pass], dir);

  // OpenSSL 3.0's `x509`/`req` have no -not_before; `ca -selfsign` takes explicit start and end dates.
  fs.writeFileSync(path.join(dir, 'index.txt'), '');
  fs.writeFileSync(path.join(dir, 'serial'), '1000\n');
  fs.writeFileSync(
    path.join(dir, 'ca.cnf'),
    ['[ca]', 'default_ca = d', '[d]', 'dir = .', 'database = ./index.txt', 'new_certs_dir = .', 'serial = ./serial',
      'default_md = sha256', 'policy = p', 'unique_subject = no', '[p]', 'commonName = supplied', ''].join('\n'),
  );
  run(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'expired.key', '-out', 'expired.csr', '-subj', '/C=RU/O=ГБОУ Школа № 1535/CN=Старый Сертификат', '-utf8'], dir);
  run(['ca', '-batch', '-config', 'ca.cnf', '-selfsign', '-preserveDN', '-utf8', '-notext', '-keyfile', 'expired.key', '-in', 'expired.csr', '-out', 'expired.pem',
    '-startdate', '20200101000000Z', '-enddate', '20210101000000Z'], dir);
  run(['pkcs12', '-export', '-in', 'expired.pem', '-inkey', 'expired.key', '-out', 'expired.p12', '-passout', pass], dir);

  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.pem', '-days', '365', '-subj', '/C=RU/O=Other School/CN=Other Signer'], dir);
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '365', '-subj', '/C=RU/O=Департамент образования/CN=Удостоверяющий центр', '-utf8',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  run(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/C=RU/O=ГБОУ Школа № 1535/CN=Директор Иванов Иван Иванович', '-utf8'], dir);
  run(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '365', '-out', 'leaf.pem'], dir);
  run(['pkcs12', '-export', '-in', 'leaf.pem', '-inkey', 'leaf.key', '-certfile', 'ca.pem', '-out', 'leaf.p12', '-passout', pass], dir);
  const p = (f: string) => path.join(dir, f);
  return {
    dir,
    certPem: p('cert.pem'),
    p12Default: p('default.p12'),
    p12Ascii: p('ascii.p12'),
    p12Legacy: p('legacy.p12'),
    p12NoKey: p('nokey.p12'),
    expiredP12: p('expired.p12'),
    expiredCertPem: p('expired.pem'),
    otherCertPem: p('other.pem'),
    otherKeyPem: p('other.key'),
    caCertPem: p('ca.pem'),
    leafP12: p('leaf.p12'),
  };
}

/** `openssl cms -verify` of a detached DER signature: exit status and what it said. */
export function opensslVerify(dir: string, sig: Buffer, data: Buffer, caFile: string) {
  const id = Math.random().toString(36).slice(2);
  fs.writeFileSync(path.join(dir, `${id}.sig`), sig);
  fs.writeFileSync(path.join(dir, `${id}.bin`), data);
  return openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', `${id}.sig`, '-content', `${id}.bin`, '-CAfile', caFile, '-purpose', 'any', '-out', '/dev/null'], dir);
}
