// The signer of a document as a clerk reads it, the same words on the screen and in the command line:
// «Петрова Ольга Ивановна, Директор, ГБОУ Школа № 1535 (ИНН 770123456789, ОГРН 1027700000001, СНИЛС 112-233-445 95)».
import { formatDate } from './dates.ts';
import { formatSnils } from './identifiers.ts';

type Named = { fullName: string; title: string | null; organization: string | null; inn: string | null; ogrn: string | null; snils: string | null };
type Person = Named & { issuer: string; notBefore: string; notAfter: string };

/** «Петрова Ольга Ивановна, Директор, ГБОУ Школа № 1535» */
export const signerName = (p: Named) => [p.fullName, p.title, p.organization].filter(Boolean).join(', ');

/** ИНН, ОГРН, СНИЛС as they are written (СНИЛС grouped 123-456-789 01). */
export function signerIdentifiers(p: Named): string {
  const snils = p.snils && formatSnils(p.snils);
  return [p.inn && `ИНН ${p.inn}`, p.ogrn && `ОГРН ${p.ogrn}`, snils && `СНИЛС ${snils}`].filter(Boolean).join(', ');
}

/** «выдан УЦ ФНС России, действует с 01.01.2024 по 01.01.2098» */
export const signerCertificate = (p: Person) =>
  `выдан ${p.issuer}, действует с ${formatDate(p.notBefore.slice(0, 10))} по ${formatDate(p.notAfter.slice(0, 10))}`;

/**
 * The person named in a certificate subject as the program writes it («C=RU, O=…, title=Директор, SN=Петрова,
 * GN=Ольга Ивановна, CN=…, ИНН=…»; main/signing/x509.ts formatName), for screens that keep only that text (the
 * packets screen's stored certificate, opened only with its password). A value with «, X=» inside is misread; the
 * backend's signerPerson reads the certificate itself where it has it.
 */
export function personFromSubject(subject: string): Named {
  const attrs = new Map<string, string>();
  for (const part of subject.split(/, (?=[A-Za-zА-Яа-яЁё0-9.]+=)/)) {
    const i = part.indexOf('=');
    if (i > 0 && !attrs.has(part.slice(0, i))) attrs.set(part.slice(0, i), part.slice(i + 1));
  }
  const get = (k: string) => attrs.get(k) ?? null;
  const sn = get('SN');
  const gn = get('GN');
  return {
    fullName: sn || gn ? [sn, gn].filter(Boolean).join(' ') : get('CN') ?? subject,
    title: get('title'), organization: get('O'), inn: get('ИНН') ?? get('ИННЮЛ'), ogrn: get('ОГРН') ?? get('ОГРНИП'), snils: get('СНИЛС'),
  };
}
