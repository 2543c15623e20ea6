// The signer as a clerk reads it, from the subject text the program writes (main/signing/x509.ts formatName) and from
// a certificate read by the backend: the same words either way.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personFromSubject, signerCertificate, signerIdentifiers, signerName } from '../../preload/core/signer.ts';
import { loadPkcs12 } from '../../main/signing/pkcs12.ts';
import { signerPerson } from '../../main/signing/x509.ts';
import { makePki, PKI_PASSWORD, type Pki } from '../helpers/pki.ts';

let pki: Pki;
beforeAll(() => { pki = makePki('ec'); }, 120_000);
afterAll(() => fs.rmSync(pki.dir, { recursive: true, force: true }));

describe('the signer as a person', () => {
  it('reads ФИО (SN + GN), title, organisation, ИНН, ОГРН, СНИЛС from the certificate and from its subject text alike', () => {
    const cert = loadPkcs12(fs.readFileSync(pki.schoolP12), PKI_PASSWORD).certificate;
    const p = signerPerson(cert);
    expect(cert.subject).toBe('C=RU, O=ГБОУ Школа № 1535, title=Директор, SN=Петрова, GN=Ольга Ивановна, CN=Петрова Ольга Ивановна, ИНН=770123456789, ОГРН=1027700000001, СНИЛС=11223344595');
    expect(signerName(p)).toBe('Петрова Ольга Ивановна, Директор, ГБОУ Школа № 1535');
    expect(signerIdentifiers(p)).toBe('ИНН 770123456789, ОГРН 1027700000001, СНИЛС 112-233-445 95');
    expect(signerCertificate(p)).toBe('выдан УЦ ФНС России, действует с 01.01.2024 по 01.01.2098');
    expect(personFromSubject(cert.subject)).toEqual({ fullName: p.fullName, title: p.title, organization: p.organization, inn: p.inn, ogrn: p.ogrn, snils: p.snils });
  });

  it('a certificate with only a CN is named by it', () => {
    expect(signerName(personFromSubject('C=RU, O=ГБОУ Школа № 1535, CN=Смирнова Елена Викторовна'))).toBe('Смирнова Елена Викторовна, ГБОУ Школа № 1535');
    expect(signerIdentifiers(personFromSubject('CN=Кто-то'))).toBe('');
  });
});
