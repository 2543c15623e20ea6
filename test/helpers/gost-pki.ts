// A GOST R 34.10-2012 test PKI made by the real openssl with the GOST engine, as an accredited CA would issue it:
// root → intermediate → the school's director (Cyrillic subject with ИНН, ОГРН, СНИЛС), for 256- and 512-bit keys, and
// the director's PKCS#12 protected the GOST way (TC 26 PBE gost89, GOST HMAC) with a Cyrillic password.
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { findGostTools, opensslGostConf } from '../../main/signing/openssl-gost.ts';
import { tempDir } from './register.ts';

export const GOST_PASSWORD = 'Пароль-директора-2026';
/** SN, GN, title as a Russian qualified certificate carries them; ИНН/ОГРН/СНИЛС by their OIDs' OpenSSL names */
export const DIRECTOR_SUBJECT = '/C=RU/ST=77 г. Москва/L=Москва/O=ГБОУ Школа № 1535/title=Директор/SN=Петрова/GN=Ольга Ивановна'
  + '/CN=Петрова Ольга Ивановна/INN=500100732259/OGRN=1027700132195/SNILS=11223344595';

export type GostPki = {
  dir: string;
  /** OPENSSL_CONF that loads the engine, for the openssl referee */
  conf: string;
  rootPem: string;
  intermediatePem: string;
  /** the director's certificates and PKCS#12 (whole chain inside), by key size */
  leaf: Record<256 | 512, { certPem: string; keyPem: string; p12: string; thumbprint: string }>;
  /** run openssl with the engine loaded */
  openssl(args: string[], input?: Buffer | string): { status: number; stdout: string; stderr: string };
};

const KEY = { 256: ['gost2012_256', 'paramset:A', 'md_gost12_256'], 512: ['gost2012_512', 'paramset:A', 'md_gost12_512'] } as const;

export function makeGostPki(): GostPki {
  const tools = findGostTools();
  if ('missing' in tools) throw new Error(`GOST test PKI: ${tools.missing}`);
  const dir = tempDir('sr-gost-pki-');
  const conf = path.join(dir, 'openssl-gost.cnf');
  fs.writeFileSync(conf, opensslGostConf(tools.engine));
  const env = { ...process.env, OPENSSL_CONF: conf };
  const run = (args: string[]) => execFileSync(tools.openssl, args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ext = (name: string, lines: string[]) => fs.writeFileSync(path.join(dir, name), ['[v3]', ...lines, ''].join('\n'));
  ext('ca.ext', ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid']);
  ext('leaf.ext', ['basicConstraints = CA:FALSE', 'keyUsage = critical, digitalSignature, nonRepudiation', 'extendedKeyUsage = emailProtection',
    'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid']);

  const genKey = (bits: 256 | 512, out: string) => run(['genpkey', '-algorithm', KEY[bits][0], '-pkeyopt', KEY[bits][1], '-out', out]);
  genKey(256, 'root.key');
  run(['req', '-x509', '-new', '-key', 'root.key', '-md_gost12_256', '-days', '3650', '-utf8', '-out', 'root.pem',
    '-subj', '/C=RU/O=Тестовый удостоверяющий центр/CN=Тестовый корневой УЦ ГОСТ',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  genKey(256, 'intermediate.key');
  run(['req', '-new', '-key', 'intermediate.key', '-md_gost12_256', '-utf8', '-out', 'intermediate.csr', '-subj', '/C=RU/O=Тестовый удостоверяющий центр/CN=Тестовый подчинённый УЦ ГОСТ']);
  run(['x509', '-req', '-in', 'intermediate.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-md_gost12_256', '-days', '1825',
    '-extfile', 'ca.ext', '-extensions', 'v3', '-out', 'intermediate.pem']);
  fs.writeFileSync(path.join(dir, 'cas.pem'), fs.readFileSync(path.join(dir, 'intermediate.pem'), 'utf8') + fs.readFileSync(path.join(dir, 'root.pem'), 'utf8'));

  const leaf = {} as GostPki['leaf'];
  for (const bits of [256, 512] as const) {
    genKey(bits, `director-${bits}.key`);
    run(['req', '-new', '-key', `director-${bits}.key`, `-${KEY[bits][2]}`, '-utf8', '-out', `director-${bits}.csr`, '-subj', DIRECTOR_SUBJECT]);
    run(['x509', '-req', '-in', `director-${bits}.csr`, '-CA', 'intermediate.pem', '-CAkey', 'intermediate.key', '-CAcreateserial', '-md_gost12_256', // the CA's own key is 256-bit
      '-days', '365', '-extfile', 'leaf.ext', '-extensions', 'v3', '-out', `director-${bits}.pem`]);
    run(['pkcs12', '-export', '-in', `director-${bits}.pem`, '-inkey', `director-${bits}.key`, '-certfile', 'cas.pem', '-out', `director-${bits}.p12`,
      '-keypbe', 'gost89', '-certpbe', 'gost89', '-macalg', 'md_gost12_256', '-passout', `pass:${GOST_PASSWORD}`]);
    const certPem = path.join(dir, `director-${bits}.pem`);
    const thumbprint = crypto.createHash('sha1').update(new crypto.X509Certificate(fs.readFileSync(certPem)).raw).digest('hex').toUpperCase();
    leaf[bits] = { certPem, keyPem: path.join(dir, `director-${bits}.key`), p12: path.join(dir, `director-${bits}.p12`), thumbprint };
  }
  return {
    dir,
    conf,
    rootPem: path.join(dir, 'root.pem'),
    intermediatePem: path.join(dir, 'intermediate.pem'),
    leaf,
    openssl(args, input) {
      const r = spawnSync(tools.openssl, args, { cwd: dir, env, input, encoding: 'buffer' });
      return { status: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
    },
  };
}

/** `openssl cms -verify` of a detached DER signature with the GOST engine, against the PKI's root only. */
export function gostVerify(pki: GostPki, sig: Buffer, data: Buffer) {
  const id = crypto.randomUUID();
  fs.writeFileSync(path.join(pki.dir, `${id}.sig`), sig);
  fs.writeFileSync(path.join(pki.dir, `${id}.bin`), data);
  return pki.openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', `${id}.sig`, '-content', `${id}.bin`, '-CAfile', pki.rootPem, '-out', '/dev/null']);
}

/** `openssl cms -cmsout -print` of a DER signature, with the engine (GOST names readable). */
export function gostPrint(pki: GostPki, sig: Buffer): string {
  const f = path.join(pki.dir, `${crypto.randomUUID()}.sig`);
  fs.writeFileSync(f, sig);
  return pki.openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', f]).stdout;
}
