// Packets signed with a certificate under root → intermediate → school (openssl-made, RSA and EC P-256): the
// reference receiver trusting only the root accepts them exactly once, its stored signature verifies with
// `openssl cms -verify -CAfile root.pem`; a receiver trusting another root rejects, naming the link. A certificate
// that may not sign is refused when loaded, nothing kept.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPacket } from '../../main/packets/build.ts';
import { listOutbox } from '../../main/packets/outbox.ts';
import { pkcs12PacketSigner, signPackets } from '../../main/packets/sign.ts';
import { uploadPending } from '../../main/packets/upload.ts';
import { expectError } from '../helpers/db.ts';
import { makePki, opensslCmsVerify, PKI_PASSWORD, type Pki } from '../helpers/pki.ts';
import { adminClient, tempDir } from '../helpers/register.ts';
import { startReceiver } from '../regional-segment/server.ts';
import { packetSchool } from './fixtures.ts';

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});
const fast = { baseDelayMs: 5, maxDelayMs: 20 };

async function registerWithPacket() {
  const c = await adminClient(tempDir());
  open.push({ close: () => c.backend.close() });
  await packetSchool(c);
  c.backend.db.transaction(() => buildPacket(c.backend.db))();
  return c;
}
async function receiver(trustPem: string[]) {
  const dir = tempDir('sr-receiver-');
  const r = await startReceiver({ port: 0, dataDir: dir, trustPem });
  open.push(r);
  return Object.assign(r, { dir });
}

describe.each(['rsa', 'ec'] as const)('%s packets under root → intermediate → school', (kind) => {
  let pki: Pki;
  beforeAll(() => { pki = makePki(kind); }, 120_000);
  afterAll(() => { if (pki) fs.rmSync(pki.dir, { recursive: true, force: true }); });

  it('the receiver trusting the root alone accepts exactly once; openssl -CAfile root.pem verifies what it stored', async () => {
    const c = await registerWithPacket();
    const signer = pkcs12PacketSigner(fs.readFileSync(pki.schoolP12), PKI_PASSWORD);
    expect(signer.algorithm).toBe(kind === 'rsa' ? 'RSA/SHA-256' : 'ECDSA P-256/SHA-256');
    await signPackets(c.backend.db, signer);
    const r = await receiver([fs.readFileSync(pki.rootPem, 'utf8')]);
    const sum = await uploadPending(c.backend.db, { endpoint: r.url }, fast);
    expect(sum.accepted).toHaveLength(1);
    const [p] = listOutbox(c.backend.db);
    expect(p.state).toBe('accepted');
    const sig = fs.readFileSync(path.join(r.dir, 'packets', `${p.id}.p7s`));
    const data = fs.readFileSync(path.join(r.dir, 'packets', `${p.id}.json`));
    const o = opensslCmsVerify(pki, sig, data);
    expect(o.stderr).toContain('Verification successful');
    expect(o.status).toBe(0);
    // sent again (a lost receipt): the same receipt, still one acceptance
    expect((await uploadPending(c.backend.db, { endpoint: r.url }, fast)).accepted).toHaveLength(0);
    expect([...r.acceptances().values()]).toEqual([1]);
  });

  it('a receiver trusting another root rejects, naming the root; one trusting the intermediate accepts', async () => {
    const c = await registerWithPacket();
    await signPackets(c.backend.db, pkcs12PacketSigner(fs.readFileSync(pki.schoolP12), PKI_PASSWORD));
    const r = await receiver([fs.readFileSync(pki.foreignRootPem, 'utf8')]);
    expect((await uploadPending(c.backend.db, { endpoint: r.url }, fast)).rejected).toHaveLength(1);
    expect(listOutbox(c.backend.db)[0].reasons).toEqual([{ code: 'untrusted_signer',
      message: expect.stringMatching(/^Цепочка не доходит до доверенного корня: корневой сертификат "Головной удостоверяющий центр" не входит в число доверенных: .*CN=Петрова Ольга Ивановна/) }]);
    expect(r.acceptances().size).toBe(0);
    const c2 = await registerWithPacket();
    await signPackets(c2.backend.db, pkcs12PacketSigner(fs.readFileSync(pki.schoolP12), PKI_PASSWORD));
    const byIntermediate = await receiver([fs.readFileSync(pki.intermediatePem, 'utf8')]);
    expect((await uploadPending(c2.backend.db, { endpoint: byIntermediate.url }, fast)).accepted).toHaveLength(1);
  });

  it('packets.loadCertificate refuses a certificate that may not sign, an expired one, a wrong password; nothing kept', async () => {
    const c = await registerWithPacket();
    const load = (file: string, password = PKI_PASSWORD) => c.raw('packets.loadCertificate', { p12Base64: fs.readFileSync(file).toString('base64'), password });
    expect(expectError(await load(pki.noSigningP12), 'validation', 'certificate').message).toMatch(/^Сертификат не предназначен для подписи документов/);
    expect(expectError(await load(pki.expiredP12), 'validation', 'certificate').message).toBe('Срок действия сертификата истёк: действовал по 01.02.2024');
    expect(expectError(await load(pki.notYetValidP12), 'validation', 'certificate').message).toBe('Срок действия сертификата ещё не начался: действует с 01.01.2090');
    expect(expectError(await load(pki.schoolP12, 'пароль'), 'validation', 'certificate').message).toBe('Неверный пароль сертификата');
    expect(c.backend.db.prepare('SELECT cert_p12 FROM packet_settings').pluck().get()).toBeNull();
    const ok = await c.call('packets.loadCertificate', { p12Base64: fs.readFileSync(pki.schoolP12).toString('base64'), password: PKI_PASSWORD });
    expect(ok).toMatchObject({ subject: expect.stringContaining('SN=Петрова, GN=Ольга Ивановна') });
  });
});
