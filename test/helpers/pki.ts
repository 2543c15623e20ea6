// A test PKI made by the real `openssl` at test time, as a Russian school's would be: root → intermediate → school,
// RSA or EC P-256, the school's subject in Cyrillic with ИНН, ОГРН, СНИЛС, title, SN and GN, its PKCS#12 holding the
// whole chain under a Cyrillic password. Beside it the bad cases a user meets: a certificate without signing key
// usage, an expired one, one not yet valid, an expired intermediate, a PKCS#12 without its chain, a foreign root.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OPENSSL } from '../signing/openssl-fixtures.ts';

export const PKI_PASSWORD = 'Пароль-школы-1';
export const SCHOOL_SUBJECT = '/C=RU/O=ГБОУ Школа № 1535/title=Директор/SN=Петрова/GN=Ольга Ивановна/CN=Петрова Ольга Ивановна'
  + '/INN=770123456789/OGRN=1027700000001/SNILS=11223344595';

export type Pki = {
  dir: string;
  kind: 'rsa' | 'ec';
  rootPem: string;
  intermediatePem: string;
  schoolPem: string;
  /** school + intermediate + root, PKI_PASSWORD */
  schoolP12: string;
  /** the school's certificate alone (no chain), PKI_PASSWORD */
  schoolAloneP12: string;
  /** the same school certificate with an ASCII password 'secret' */
  schoolAsciiP12: string;
  /** keyUsage keyEncipherment only */
  noSigningP12: string;
  /** valid 2020-01-01..2021-01-01 */
  expiredP12: string;
  /** valid from 2090 */
  notYetValidP12: string;
  /** a school certificate valid now under an intermediate that expired in 2021 (chain in the PKCS#12) */
  expiredIntermediateP12: string;
  expiredIntermediatePem: string;
  /** another PKI's root, trusted by nobody who trusts ours */
  foreignRootPem: string;
};

const CNF = (dir: string) => [
  '[ca]', 'default_ca = d',
  '[d]', `dir = ${dir}`, 'database = $dir/index.txt', 'new_certs_dir = $dir/newcerts', 'serial = $dir/serial',
  'default_md = sha256', 'policy = p', 'unique_subject = no', 'copy_extensions = none', 'email_in_dn = no',
  '[p]', 'commonName = supplied',
  '[v3_ca]', 'basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid',
  '[v3_school]', 'basicConstraints = CA:FALSE', 'keyUsage = critical,digitalSignature,nonRepudiation', 'extendedKeyUsage = emailProtection', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid',
  '[v3_nosign]', 'basicConstraints = CA:FALSE', 'keyUsage = critical,keyEncipherment', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid',
  '',
].join('\n');

export function makePki(kind: 'rsa' | 'ec'): Pki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sr-pki-${kind}-`));
  const run = (args: string[]) => execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  fs.mkdirSync(path.join(dir, 'newcerts'));
  fs.writeFileSync(path.join(dir, 'index.txt'), '');
  fs.writeFileSync(path.join(dir, 'serial'), '1000\n');
  fs.writeFileSync(path.join(dir, 'ca.cnf'), CNF(dir));
  const newKey = (name: string) => kind === 'rsa'
    ? run(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', `${name}.key`])
    : run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);
  const csr = (name: string, subj: string) => {
    newKey(name);
    run(['req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', subj, '-utf8']);
  };
  /** issue `name` by `issuer` (or self-signed when issuer is null) with an extensions section and dates */
  const issue = (name: string, issuer: string | null, ext: string, dates: [string, string] = ['20240101000000Z', '20990101000000Z']) => {
    run(['ca', '-batch', '-config', 'ca.cnf', '-preserveDN', '-utf8', '-notext', '-extensions', ext, '-in', `${name}.csr`, '-out', `${name}.pem`,
      '-startdate', dates[0], '-enddate', dates[1],
      ...(issuer ? ['-cert', `${issuer}.pem`, '-keyfile', `${issuer}.key`] : ['-selfsign', '-keyfile', `${name}.key`])]);
  };
  const p12 = (name: string, out: string, chain: string[], pass = PKI_PASSWORD) => {
    if (chain.length) fs.writeFileSync(path.join(dir, `${out}.chain.pem`), chain.map((c) => fs.readFileSync(path.join(dir, `${c}.pem`), 'utf8')).join(''));
    run(['pkcs12', '-export', '-in', `${name}.pem`, '-inkey', `${name}.key`, ...(chain.length ? ['-certfile', `${out}.chain.pem`] : []),
      '-out', `${out}.p12`, '-passout', `pass:${pass}`]);
  };

  csr('root', '/C=RU/O=Минцифры России/CN=Головной удостоверяющий центр');
  issue('root', null, 'v3_ca', ['20240101000000Z', '20991231000000Z']);
  csr('inter', '/C=RU/O=Федеральная налоговая служба/CN=УЦ ФНС России');
  issue('inter', 'root', 'v3_ca');
  csr('school', SCHOOL_SUBJECT);
  issue('school', 'inter', 'v3_school', ['20240101000000Z', '20980101000000Z']);
  p12('school', 'school', ['inter', 'root']);
  p12('school', 'school-alone', []);
  p12('school', 'school-ascii', ['inter', 'root'], 'secret');

  csr('nosign', '/C=RU/O=ГБОУ Школа № 1535/CN=Ключ шифрования');
  issue('nosign', 'inter', 'v3_nosign');
  p12('nosign', 'nosign', ['inter', 'root']);
  csr('expired', '/C=RU/O=ГБОУ Школа № 1535/CN=Истёкший сертификат');
  issue('expired', 'inter', 'v3_school', ['20240102000000Z', '20240201000000Z']);
  p12('expired', 'expired', ['inter', 'root']);
  csr('future', '/C=RU/O=ГБОУ Школа № 1535/CN=Будущий сертификат');
  issue('future', 'inter', 'v3_school', ['20900101000000Z', '20950101000000Z']);
  p12('future', 'future', ['inter', 'root']);

  csr('oldinter', '/C=RU/O=Федеральная налоговая служба/CN=Старый УЦ ФНС');
  issue('oldinter', 'root', 'v3_ca', ['20240101000000Z', '20240601000000Z']);
  csr('orphan', '/C=RU/O=ГБОУ Школа № 1535/CN=Сертификат старого УЦ');
  issue('orphan', 'oldinter', 'v3_school', ['20240102000000Z', '20980101000000Z']);
  p12('orphan', 'orphan', ['oldinter', 'root']);

  csr('foreign', '/C=RU/O=Чужой УЦ/CN=Чужой корень');
  issue('foreign', null, 'v3_ca');

  const p = (f: string) => path.join(dir, f);
  return {
    dir, kind, rootPem: p('root.pem'), intermediatePem: p('inter.pem'), schoolPem: p('school.pem'), schoolP12: p('school.p12'),
    schoolAloneP12: p('school-alone.p12'), schoolAsciiP12: p('school-ascii.p12'), noSigningP12: p('nosign.p12'), expiredP12: p('expired.p12'),
    notYetValidP12: p('future.p12'), expiredIntermediateP12: p('orphan.p12'), expiredIntermediatePem: p('oldinter.pem'), foreignRootPem: p('foreign.pem'),
  };
}

/** `openssl cms -verify -binary -CAfile root` of a detached DER signature, with the default (smimesign) purpose. */
export function opensslCmsVerify(pki: Pki, sig: Buffer, data: Buffer, caFile = pki.rootPem) {
  const id = Math.random().toString(36).slice(2);
  fs.writeFileSync(path.join(pki.dir, `${id}.sig`), sig);
  fs.writeFileSync(path.join(pki.dir, `${id}.bin`), data);
  const r = spawnSync(OPENSSL, ['cms', '-verify', '-binary', '-inform', 'DER', '-in', `${id}.sig`, '-content', `${id}.bin`, '-CAfile', caFile, '-out', '/dev/null'],
    { cwd: pki.dir, encoding: 'utf8' });
  return { status: r.status ?? -1, stderr: r.stderr };
}
