// GOST R 34.10-2012 signing (issue 14), referee: openssl with the GOST engine. A PKI made by openssl (root →
// intermediate → director with ИНН/ОГРН/СНИЛС, PKCS#12 under TC 26 PBE with a Cyrillic password): signatures from both
// OpenSSL ways (the long-lived worker, one `openssl cms` per document), 256- and 512-bit keys, a sealed ledger and a
// signed packet verify with `openssl cms -verify -CAfile root.pem`; signingCertificateV2 carries the Стрибог digest of
// the certificate; a wrong password, a computer without the engine and an unknown key algorithm are refused by name;
// the cryptcp adapter against its stand-in signs, and says in Russian what a wrong thumbprint, PIN or cancel means;
// `ledger seal --cert GOST.p12` and `--thumbprint` do the same from the command line.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditableArgs } from '../../main/host/dispatch.ts';
import { cryptcpError } from '../../main/signing/cryptcp.ts';
import { SigningError } from '../../main/signing/errors.ts';
import { findGostTools, type GostOpensslSigner } from '../../main/signing/openssl-gost.ts';
import { closeSigner, openPkcs12Signer, openThumbprintSigner, pkcs12UsesGost } from '../../main/signing/select-signer.ts';
import { ROOT } from '../helpers/cli.ts';
import { count, expectError } from '../helpers/db.ts';
import { adminClient, tempDir } from '../helpers/register.ts';
import { DIRECTOR_SUBJECT, GOST_PASSWORD, gostPrint, gostVerify, makeGostPki, type GostPki } from '../helpers/gost-pki.ts';
import { sealingSchool, type SealingSchool } from '../ledgers/sealing-school.ts';
import { packetSchool } from '../packets/fixtures.ts';
import { makeFixtures, PASSWORD, type Fixtures } from './openssl-fixtures.ts';

const STAND_IN = path.join(import.meta.dirname, '..', 'helpers', 'cryptcp-stand-in.mjs');
const SUBJECT = 'C=RU, ST=77 г. Москва, L=Москва, O=ГБОУ Школа № 1535, title=Директор, SN=Петрова, GN=Ольга Ивановна, CN=Петрова Ольга Ивановна, '
  + 'ИНН=500100732259, ОГРН=1027700132195, СНИЛС=11223344595';

let pki: GostPki;
let rsa: Fixtures;
beforeAll(() => {
  pki = makeGostPki();
  rsa = makeFixtures();
}, 120_000);
afterAll(() => {
  fs.rmSync(pki.dir, { recursive: true, force: true });
  fs.rmSync(rsa.dir, { recursive: true, force: true });
});

const p12 = (bits: 256 | 512) => fs.readFileSync(pki.leaf[bits].p12);
const refusal = (f: () => unknown): SigningError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SigningError);
    return e as SigningError;
  }
  throw new Error('not refused');
};

/** The certificate's Стрибог digest by openssl, hex as `cms -print` dumps it. */
function certificateDigest(bits: 256 | 512): string {
  const der = path.join(pki.dir, `director-${bits}.der`);
  pki.openssl(['x509', '-in', pki.leaf[bits].certPem, '-outform', 'DER', '-out', der]);
  return pki.openssl(['dgst', `-md_gost12_${bits}`, '-r', der]).stdout.split(' ')[0].toUpperCase();
}

describe('GOST R 34.10-2012 through OpenSSL and its GOST engine', () => {
  it('reads the GOST PKCS#12 as GOST before the password and as a GOST key after it, the Russian subject whole', () => {
    expect(pkcs12UsesGost(p12(256))).toBe(true);
    expect(pkcs12UsesGost(fs.readFileSync(rsa.p12Default))).toBe(false);
    expect(DIRECTOR_SUBJECT).toContain('SN=Петрова');
    const s = openPkcs12Signer(p12(256), GOST_PASSWORD);
    expect(s.certificate.subject).toBe(SUBJECT);
    expect(s.algorithm).toBe('ГОСТ Р 34.10-2012 (256 бит)/ГОСТ Р 34.11-2012');
    expect(openPkcs12Signer(p12(512), GOST_PASSWORD).algorithm).toBe('ГОСТ Р 34.10-2012 (512 бит)/ГОСТ Р 34.11-2012');
    expect(openPkcs12Signer(fs.readFileSync(rsa.p12Default), PASSWORD).algorithm).toBe('RSA/SHA-256');
  });

  for (const bits of [256, 512] as const) {
    for (const mode of ['worker', 'per-document'] as const) {
      it(`${bits}-bit key, ${mode}: detached CAdES-BES that openssl verifies to the root through the intermediate, signingCertificateV2 with the GOST digest`, async () => {
        const signer = openPkcs12Signer(p12(bits), GOST_PASSWORD, { gost: { mode } });
        try {
          const data = Buffer.from(JSON.stringify({ ledger: '5А', year: '2025/2026', director: 'Петрова О. И.' }), 'utf8');
          const sig = await signer.sign(data);
          const v = gostVerify(pki, sig, data);
          expect(v.stderr).toContain('Verification successful');
          expect(v.status).toBe(0);
          // -cades: openssl also checks the signingCertificateV2 against the signer's certificate
          const id = `${bits}-${mode}`;
          fs.writeFileSync(path.join(pki.dir, `${id}.sig`), sig);
          fs.writeFileSync(path.join(pki.dir, `${id}.bin`), data);
          const cades = pki.openssl(['cms', '-verify', '-cades', '-binary', '-inform', 'DER', '-in', `${id}.sig`, '-content', `${id}.bin`, '-CAfile', pki.rootPem, '-out', '/dev/null']);
          expect(cades.status).toBe(0);
          // one changed byte is refused
          expect(gostVerify(pki, sig, Buffer.from(data.toString('utf8').replace('5А', '5Б'), 'utf8')).status).not.toBe(0);
          const printed = gostPrint(pki, sig);
          const after = printed.slice(printed.indexOf('id-smime-aa-signingCertificateV2'));
          expect(printed).toContain('id-smime-aa-signingCertificateV2 (1.2.840.113549.1.9.16.2.47)');
          expect(after).toMatch(new RegExp(`OBJECT +:GOST R 34\\.11-2012 with ${bits} bit hash`));
          expect(after.slice(0, 1200).replace(/\s/g, '')).toContain(`HEXDUMP]:${certificateDigest(bits)}`);
          expect(printed).toContain(`GOST R 34.10-2012 with ${bits} bit modulus`);
          // the whole chain travels with the signature: signer, intermediate and root
          expect(printed.match(/subject: /g)?.length).toBe(3);
        } finally {
          await closeSigner(signer);
        }
      }, 60_000);
    }
  }

  it('keeps one signing process for many documents: 40 signatures, one worker, gone when the signer is closed', async () => {
    const signer = openPkcs12Signer(p12(256), GOST_PASSWORD, { gost: { mode: 'worker' } }) as ReturnType<typeof openPkcs12Signer> & { mode: string };
    // our own children that are GOST workers (the worker's script is on its command line)
    const workers = () => fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
      try {
        const ppid = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
        return ppid === process.pid && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('setEngine');
      } catch {
        return false; // ended meanwhile
      }
    }).length;
    try {
      const sigs = await Promise.all(Array.from({ length: 40 }, (_, i) => signer.sign(Buffer.from(`документ ${i}`, 'utf8'))));
      expect(signer.mode).toBe('worker');
      expect(workers()).toBe(1);
      expect(new Set(sigs.map((s) => s.toString('hex'))).size).toBe(40);
      expect(gostVerify(pki, sigs[39], Buffer.from('документ 39', 'utf8')).status).toBe(0);
    } finally {
      await closeSigner(signer);
    }
    for (let i = 0; i < 200 && workers() > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(workers()).toBe(0);
  }, 60_000);

  it('the key is never on disk in clear: none in the worker way; encrypted 0600 in a 0700 folder one `openssl cms` at a time, gone when closed', async () => {
    const worker = openPkcs12Signer(p12(256), GOST_PASSWORD, { gost: { mode: 'worker' } }) as GostOpensslSigner;
    await worker.sign(Buffer.from('a'));
    expect(worker.keyFolder).toBeNull();
    await closeSigner(worker);
    const perDoc = openPkcs12Signer(p12(512), GOST_PASSWORD, { gost: { mode: 'per-document' } }) as GostOpensslSigner;
    await perDoc.sign(Buffer.from('b'));
    const dir = perDoc.keyFolder!;
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'key.pem')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dir, 'key.pem'), 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    for (const f of fs.readdirSync(dir)) expect(fs.readFileSync(path.join(dir, f), 'utf8')).not.toContain('BEGIN PRIVATE KEY');
    // openssl refuses the key file without the passphrase that only the signer holds
    expect(pki.openssl(['pkey', '-in', path.join(dir, 'key.pem'), '-passin', `pass:${GOST_PASSWORD}`, '-noout']).status).not.toBe(0);
    await closeSigner(perDoc);
    expect(fs.existsSync(dir)).toBe(false);
  }, 60_000);

  it('a wrong password, ASCII or Cyrillic, is «Неверный пароль сертификата»', () => {
    for (const wrong of ['wrong-password', 'Неверный-пароль']) {
      const e = refusal(() => openPkcs12Signer(p12(256), wrong));
      expect(e.signingCode).toBe('wrong_password');
      expect(e.message).toBe('Неверный пароль сертификата');
    }
  });

  it('on a computer without the GOST engine, a GOST PKCS#12 is refused naming the file and what is missing', () => {
    const e = refusal(() => openPkcs12Signer(p12(256), GOST_PASSWORD, { fileName: 'director-256.p12', gost: { engine: path.join(pki.dir, 'нет', 'gost.so') } }));
    expect(e.signingCode).toBe('gost_unavailable');
    expect(e.message).toMatch(/^Ключ ГОСТ: нет средства подписи ГОСТ на этом компьютере \(файл director-256\.p12: нет модуля ГОСТ для OpenSSL: файла .*gost\.so\)$/);
    expect(e.message).not.toContain(GOST_PASSWORD);
  });

  it('an unknown key algorithm (Ed25519) is named, nothing signs', () => {
    const dir = tempDir('sr-ed25519-');
    try {
      const run = (args: string[]) => expect(pki.openssl(args.map((a) => a.replace('$D', dir))).status).toBe(0);
      run(['req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', '$D/ed.key', '-out', '$D/ed.pem', '-days', '30', '-subj', '/CN=Ed Signer']);
      run(['pkcs12', '-export', '-in', '$D/ed.pem', '-inkey', '$D/ed.key', '-out', '$D/ed.p12', '-passout', `pass:${GOST_PASSWORD}`]);
      const e = refusal(() => openPkcs12Signer(fs.readFileSync(path.join(dir, 'ed.p12')), GOST_PASSWORD, { fileName: 'ed.p12' }));
      expect(e.signingCode).toBe('unknown_algorithm');
      expect(e.message).toBe('Неизвестный алгоритм ключа: подписать им нельзя: Ed25519 (файл ed.p12); подписывать можно ключом RSA, ECDSA P-256 или ГОСТ Р 34.10-2012');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sealing and packets with the GOST certificate, through the API', () => {
  let f: SealingSchool;
  beforeAll(async () => {
    f = await sealingSchool();
  }, 120_000);
  afterAll(() => f.c.backend.close());
  const cert = (bits: 256 | 512, password = GOST_PASSWORD) => ({ p12Base64: p12(bits).toString('base64'), password });

  it('refuses a wrong Cyrillic password and a computer without the engine by name, writing nothing', async () => {
    const audit = count(f.c.backend.db, 'audit_log');
    expect(expectError(await f.c.raw('ledgers.seal', { classId: f.s.a.id, certificate: cert(256, 'не тот пароль') }), 'validation', 'certificate').message)
      .toBe('Неверный пароль сертификата');
    const saved = process.env.SCHOOL_REGISTER_GOST_ENGINE;
    process.env.SCHOOL_REGISTER_GOST_ENGINE = path.join(pki.dir, 'нет', 'gost.so');
    try {
      expect(expectError(await f.c.raw('ledgers.seal', { classId: f.s.a.id, certificate: cert(256) }), 'validation', 'certificate').message)
        .toMatch(/^Ключ ГОСТ: нет средства подписи ГОСТ на этом компьютере \(нет модуля ГОСТ/);
      // the command line gives the file's name (`--cert director-256.p12`), and the message names it
      expect(expectError(await f.c.raw('ledgers.seal', { classId: f.s.a.id, certificate: { ...cert(256), fileName: 'director-256.p12' } }), 'validation', 'certificate').message)
        .toMatch(/^Ключ ГОСТ: нет средства подписи ГОСТ на этом компьютере \(файл director-256\.p12: нет модуля ГОСТ/);
    } finally {
      if (saved === undefined) delete process.env.SCHOOL_REGISTER_GOST_ENGINE;
      else process.env.SCHOOL_REGISTER_GOST_ENGINE = saved;
    }
    expect(count(f.c.backend.db, 'ledger_versions')).toBe(0);
    expect(count(f.c.backend.db, 'audit_log')).toBe(audit);
  }, 60_000);

  for (const [bits, cls] of [[256, 'a'], [512, 'b']] as const) {
    it(`a ledger sealed with the ${bits}-bit GOST key verifies with openssl against the root; the signer is the director`, async () => {
      await f.c.call('ledgers.seal', { classId: f.s[cls].id, certificate: cert(bits) });
      const row = f.c.backend.db.prepare('SELECT canonical_json, signature, signer FROM ledger_versions WHERE class_id = ?').get(f.s[cls].id) as
        { canonical_json: string; signature: Buffer; signer: string };
      expect(row.signer).toBe(SUBJECT);
      const v = gostVerify(pki, row.signature, Buffer.from(row.canonical_json, 'utf8'));
      expect(v.stderr).toContain('Verification successful');
      expect(v.status).toBe(0);
      expect(gostPrint(pki, row.signature)).toMatch(new RegExp(`id-smime-aa-signingCertificateV2[\\s\\S]*GOST R 34\\.11-2012 with ${bits} bit hash`));
    }, 120_000);
  }

  it('packets signed with the GOST certificate verify with openssl against the root', async () => {
    const c = await adminClient(tempDir());
    try {
      await packetSchool(c);
      expect((await c.call('packets.build', {})).kind).toBe('full');
      expect((await c.call('packets.loadCertificate', { p12Base64: p12(512).toString('base64'), password: GOST_PASSWORD })).subject).toBe(SUBJECT);
      expect((await c.call('packets.sign', { password: GOST_PASSWORD })).signed.map((p) => p.seq)).toEqual([1]);
      const rows = c.backend.db.prepare('SELECT canonical_json, signature FROM packets WHERE state = ?').all('signed') as Array<{ canonical_json: string; signature: Buffer }>;
      expect(rows.length).toBe(1);
      for (const r of rows) {
        const v = gostVerify(pki, r.signature, Buffer.from(r.canonical_json, 'utf8'));
        expect(v.stderr).toContain('Verification successful');
        expect(v.status).toBe(0);
      }
    } finally {
      c.backend.close();
    }
  }, 120_000);
});

describe('КриптоПро CSP cryptcp adapter, against a stand-in that signs with OpenSSL', () => {
  let store: string;
  const tools = () => findGostTools() as { openssl: string; engine: string };
  beforeAll(() => {
    store = tempDir('sr-cryptcp-store-');
    for (const bits of [256, 512] as const) {
      const tp = pki.leaf[bits].thumbprint;
      fs.copyFileSync(pki.leaf[bits].certPem, path.join(store, `${tp}.pem`));
      fs.copyFileSync(pki.leaf[bits].keyPem, path.join(store, `${tp}.key`));
    }
    fs.writeFileSync(path.join(store, `${pki.leaf[512].thumbprint}.pin`), '1234');
    process.env.CRYPTCP_STAND_IN_STORE = store;
    process.env.CRYPTCP_STAND_IN_OPENSSL_CONF = pki.conf;
    expect(tools().engine).toMatch(/gost\.so$/);
  });
  afterAll(() => fs.rmSync(store, { recursive: true, force: true }));
  const cryptcp = [process.execPath, STAND_IN];

  it('signs by thumbprint (Windows spacing accepted); the signature verifies with openssl', async () => {
    const spaced = pki.leaf[256].thumbprint.toLowerCase().replace(/(..)/g, '$1 ').trim();
    const signer = await openThumbprintSigner({ thumbprint: spaced, cryptcp });
    try {
      expect(signer.certificate.subject).toBe(SUBJECT);
      expect(signer.algorithm).toContain('КриптоПро CSP');
      const data = Buffer.from('{"packet":1,"школа":"1535"}', 'utf8');
      const sig = await signer.sign(data);
      // cryptcp puts the signer's certificate in, not its issuers (`openssl cms -verify` in 3.0 takes no -untrusted):
      // the referee trusts the intermediate with the root
      fs.writeFileSync(path.join(pki.dir, 'csp.sig'), sig);
      fs.writeFileSync(path.join(pki.dir, 'csp.bin'), data);
      const v = pki.openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'csp.sig', '-content', 'csp.bin', '-CAfile', path.join(pki.dir, 'cas.pem'),
        '-out', '/dev/null']);
      expect(v.stderr).toContain('Verification successful');
      expect(gostPrint(pki, sig)).toContain('id-smime-aa-signingCertificateV2');
    } finally {
      await closeSigner(signer);
    }
  }, 60_000);

  it('the PIN of a token: right signs with the 512-bit key, wrong and cancelled are said in Russian', async () => {
    const thumbprint = pki.leaf[512].thumbprint;
    const ok = await openThumbprintSigner({ thumbprint, pin: '1234', cryptcp });
    const data = Buffer.from('ведомость', 'utf8');
    fs.writeFileSync(path.join(pki.dir, 'csp512.sig'), await ok.sign(data));
    fs.writeFileSync(path.join(pki.dir, 'csp512.bin'), data);
    expect(pki.openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'csp512.sig', '-content', 'csp512.bin', '-CAfile', path.join(pki.dir, 'cas.pem'),
      '-out', '/dev/null']).status).toBe(0);
    await closeSigner(ok);
    await expect(openThumbprintSigner({ thumbprint, pin: '0000', cryptcp })).rejects.toMatchObject({
      signingCode: 'csp_failed', message: 'КриптоПро CSP не подписал документ: неверный PIN-код ключевого носителя (0x8010006B)' });
    await expect(openThumbprintSigner({ thumbprint, cryptcp })).rejects.toMatchObject({
      signingCode: 'csp_cancelled', message: 'КриптоПро CSP: ввод PIN-кода отменён, документ не подписан (0x8010006E)' });
  }, 60_000);

  it('ledgers.seal with a thumbprint signs through cryptcp; a wrong one is refused naming it, nothing written; the PIN is never audited', async () => {
    const f = await sealingSchool();
    const saved = process.env.SCHOOL_REGISTER_CRYPTCP;
    process.env.SCHOOL_REGISTER_CRYPTCP = STAND_IN; // executable, as cryptcp is
    try {
      const absent = 'CD'.repeat(20);
      const e = expectError(await f.c.raw('ledgers.seal', { classId: f.s.a.id, certificate: { thumbprint: absent, pin: '1234' } }), 'validation', 'certificate');
      expect(e.message).toContain(absent);
      expect(count(f.c.backend.db, 'ledger_versions')).toBe(0);
      const v = await f.c.call('ledgers.seal', { classId: f.s.a.id, certificate: { thumbprint: pki.leaf[512].thumbprint, pin: '1234' } });
      expect(v.signer).toBe(SUBJECT);
      const row = f.c.backend.db.prepare('SELECT canonical_json, signature FROM ledger_versions WHERE class_id = ?').get(f.s.a.id) as { canonical_json: string; signature: Buffer };
      fs.writeFileSync(path.join(pki.dir, 'csp-seal.sig'), row.signature);
      fs.writeFileSync(path.join(pki.dir, 'csp-seal.json'), row.canonical_json);
      expect(pki.openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'csp-seal.sig', '-content', 'csp-seal.json', '-CAfile', path.join(pki.dir, 'cas.pem'),
        '-out', '/dev/null']).status).toBe(0);
      const audited = f.c.backend.db.prepare("SELECT detail FROM audit_log WHERE method = 'ledgers.seal'").pluck().all() as string[];
      expect(audited.join('\n')).not.toContain('1234');
      expect(auditableArgs({ certificate: { thumbprint: absent, pin: '1234' } })).toEqual({ certificate: { thumbprint: absent, pin: '***' } });
    } finally {
      if (saved === undefined) delete process.env.SCHOOL_REGISTER_CRYPTCP;
      else process.env.SCHOOL_REGISTER_CRYPTCP = saved;
      f.c.backend.close();
    }
  }, 120_000);

  it('packets.sign with a thumbprint signs the built packets through cryptcp (openssl verifies); a wrong one leaves them built; the PIN is not audited', async () => {
    const c = await adminClient(tempDir());
    const saved = process.env.SCHOOL_REGISTER_CRYPTCP;
    process.env.SCHOOL_REGISTER_CRYPTCP = STAND_IN;
    try {
      await packetSchool(c);
      await c.call('packets.build', {});
      const absent = 'CD'.repeat(20);
      const e = expectError(await c.raw('packets.sign', { password: '', thumbprint: absent, pin: '1234' }), 'validation', 'certificate');
      expect(e.message).toContain(absent);
      expect(c.backend.db.prepare('SELECT state FROM packets').pluck().all()).toEqual(['built']);
      const s = await c.call('packets.sign', { password: '', thumbprint: pki.leaf[512].thumbprint, pin: '1234' });
      expect(s.signer).toBe(SUBJECT);
      const row = c.backend.db.prepare('SELECT canonical_json, signature FROM packets').get() as { canonical_json: string; signature: Buffer };
      fs.writeFileSync(path.join(pki.dir, 'csp-packet.sig'), row.signature);
      fs.writeFileSync(path.join(pki.dir, 'csp-packet.json'), row.canonical_json);
      expect(pki.openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'csp-packet.sig', '-content', 'csp-packet.json', '-CAfile', path.join(pki.dir, 'cas.pem'),
        '-out', '/dev/null']).status).toBe(0);
      const audited = c.backend.db.prepare("SELECT detail FROM audit_log WHERE method = 'packets.sign'").pluck().all() as string[];
      expect(audited.join('\n')).toContain(pki.leaf[512].thumbprint);
      expect(audited.join('\n')).not.toContain('1234');
    } finally {
      if (saved === undefined) delete process.env.SCHOOL_REGISTER_CRYPTCP;
      else process.env.SCHOOL_REGISTER_CRYPTCP = saved;
      c.backend.close();
    }
  }, 120_000);

  it('the command line: ledger seal --cert GOST.p12 names the file without the engine, seals with it; --thumbprint seals through cryptcp', async () => {
    const f = await sealingSchool();
    f.c.backend.close();
    const db = f.c.dbPath;
    const file = path.join(f.dir, 'director-256.p12');
    fs.copyFileSync(pki.leaf[256].p12, file);
    const run = (env: Record<string, string>, ...args: string[]) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const p = spawn(process.execPath, [path.join(ROOT, 'main/cli/bin.mjs'), ...args, '--db', db], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '', stderr = '';
      p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      p.on('error', reject);
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    const seal = ['ledger', 'seal', '--year', '2025/2026', '--json'];
    const noEngine = await run({ SCHOOL_REGISTER_CERT_PASSWORD: GOST_PASSWORD, SCHOOL_REGISTER_GOST_ENGINE: path.join(f.dir, 'нет', 'gost.so') }, ...seal, '--class', '5А', '--cert', file);
    expect(noEngine.code).toBe(1);
    expect(noEngine.stderr.trim()).toMatch(/^Ошибка: Ключ ГОСТ: нет средства подписи ГОСТ на этом компьютере \(файл director-256\.p12: нет модуля ГОСТ для OpenSSL: файла .*gost\.so\)$/);
    const sealed = await run({ SCHOOL_REGISTER_CERT_PASSWORD: GOST_PASSWORD }, ...seal, '--class', '5А', '--cert', file);
    expect(sealed.stderr).toBe('');
    expect(sealed.code).toBe(0);
    expect(JSON.parse(sealed.stdout)).toMatchObject({ version: 1, signer: SUBJECT });
    const byCsp = await run({ SCHOOL_REGISTER_CRYPTCP: STAND_IN, SCHOOL_REGISTER_CSP_PIN: '1234' }, ...seal, '--class', '5Б', '--thumbprint', pki.leaf[512].thumbprint);
    expect(byCsp.stderr).toBe('');
    expect(JSON.parse(byCsp.stdout)).toMatchObject({ version: 1, signer: SUBJECT });
    const raw = new Database(db, { readonly: true });
    try {
      const rows = raw.prepare('SELECT canonical_json, signature FROM ledger_versions ORDER BY class_id').all() as Array<{ canonical_json: string; signature: Buffer }>;
      expect(rows.length).toBe(2);
      const v = gostVerify(pki, rows[0].signature, Buffer.from(rows[0].canonical_json, 'utf8'));
      expect(v.status).toBe(0);
      fs.writeFileSync(path.join(pki.dir, 'cli-csp.sig'), rows[1].signature);
      fs.writeFileSync(path.join(pki.dir, 'cli-csp.json'), rows[1].canonical_json);
      expect(pki.openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'cli-csp.sig', '-content', 'cli-csp.json', '-CAfile', path.join(pki.dir, 'cas.pem'),
        '-out', '/dev/null']).status).toBe(0);
    } finally {
      raw.close();
    }
  }, 180_000);

  it('a thumbprint not in the store, a malformed one and a missing cryptcp are refused by name', async () => {
    const absent = 'AB'.repeat(20);
    await expect(openThumbprintSigner({ thumbprint: absent, cryptcp })).rejects.toMatchObject({
      signingCode: 'csp_certificate_not_found', message: `КриптоПро CSP: сертификат с таким отпечатком не найден в хранилище «Личное»: ${absent} (0x2000012D)` });
    await expect(openThumbprintSigner({ thumbprint: 'abc', cryptcp })).rejects.toMatchObject({ signingCode: 'csp_certificate_not_found' });
    await expect(openThumbprintSigner({ thumbprint: absent, cryptcp: path.join(store, 'нет', 'cryptcp') })).rejects.toMatchObject({
      signingCode: 'gost_unavailable', message: expect.stringMatching(/^Ключ ГОСТ: нет средства подписи ГОСТ на этом компьютере \(не найдена программа КриптоПро CSP cryptcp/) });
    expect(cryptcpError(0x20000325, 1, absent)?.message).toBe('КриптоПро CSP не подписал документ: лицензия КриптоПро CSP просрочена (0x20000325)');
    expect(cryptcpError(0x12345678, 1, absent)?.message).toBe('КриптоПро CSP не подписал документ: код ошибки 0x12345678');
    expect(cryptcpError(0, 0, absent)).toBeNull();
  }, 60_000);
});
