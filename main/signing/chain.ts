// Certification path building (RFC 5280 6.1, the parts a document verifier needs): from the signature's certificate
// through the certificates the signature carries to one of the configured trust anchors, each link's signature checked
// by algorithms.ts (so a GOST chain is judged by the same code as RSA, no WebCrypto involved), each certificate valid at
// the moment judged, each issuer a CA allowed to sign certificates. When no path holds, the failure of the path that
// got furthest is told, naming the link: «издатель "…" не найден», «сертификат промежуточного УЦ "…" истёк».
// Not done here: revocation (CRL/OCSP), name constraints and policies — none of the verifiers has them to give.
import { formatDate } from '../../preload/core/dates.ts';
import { algorithmName, verifySignatureValue } from './algorithms.ts';
import { SigningError } from './errors.ts';
import { certificateInfo, certificateStructure, type CertificateInfo, type CertificateStructure } from './x509.ts';

export type PathFailure =
  | 'untrusted_signer' // the chain does not reach a trust anchor
  | 'certificate_expired' // a certificate of the path was not valid at the moment judged
  | 'chain_invalid' // a link's signature does not hold, or an issuer is not a CA
  | 'unsupported_algorithm'; // a link is signed with an algorithm nobody here checks

export type PathResult =
  | { ok: true; path: CertificateInfo[] }
  | { ok: false; reason: PathFailure; message: string; path: CertificateInfo[] };

type Node = { info: CertificateInfo; s: CertificateStructure; anchor: boolean };

const MAX_DEPTH = 10;

function node(der: Buffer, anchor: boolean): Node | null {
  try {
    return { info: certificateInfo(der), s: certificateStructure(der), anchor };
  } catch {
    return null; // a certificate we cannot read is no candidate
  }
}

/** The CN a clerk knows a certificate by, else the whole name. */
const named = (i: CertificateInfo) => `"${i.commonName}"`;
const issuerNamed = (i: CertificateInfo) => `"${i.issuerAttributes.find((a) => a.name === 'CN')?.value ?? i.issuer}"`;
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** PEM bundles (or single PEMs) to DER certificates. */
export function pemCertificates(pems: string[]): Buffer[] {
  return pems.flatMap((p) => p.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [])
    .map((b) => Buffer.from(b.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64'));
}

/**
 * The path from `signerDer` to one of `anchorDers`, through `poolDers` (the certificates the signature carries), every
 * certificate valid at `at`. The signer itself being an anchor is a path of one.
 */
export function buildPath(signerDer: Buffer, poolDers: Buffer[], anchorDers: Buffer[], at: Date): PathResult {
  const signer = node(signerDer, false);
  if (!signer) return { ok: false, reason: 'chain_invalid', message: 'Сертификат подписавшего не читается', path: [] };
  const anchors = anchorDers.map((d) => node(d, true)).filter((n): n is Node => !!n);
  const pool = poolDers.filter((d) => !d.equals(signerDer)).map((d) => node(d, false)).filter((n): n is Node => !!n);
  if (anchors.some((a) => a.s.der.equals(signerDer))) {
    const v = checkPath([{ ...signer, anchor: true }], at);
    return v ?? { ok: true, path: [signer.info] };
  }
  let best: { depth: number; complete: boolean; r: Extract<PathResult, { ok: false }> } | null = null;
  const fail = (path: Node[], complete: boolean, reason: PathFailure, message: string) => {
    const depth = path.length;
    // a path that reached an anchor and failed a check says more than one that got lost; then the longer one
    if (!best || (complete && !best.complete) || (complete === best.complete && depth > best.depth)) {
      best = { depth, complete, r: { ok: false, reason, message: cap(message), path: path.map((n) => n.info) } };
    }
  };

  const walk = (path: Node[]): PathResult | null => {
    const cert = path[path.length - 1];
    // a self-signed certificate that is not an anchor ends the path: a root nobody trusts (also one that only bears
    // a trusted root's name: its own key signed it, not the trusted one's)
    if (cert.s.subjectDer.equals(cert.s.issuerDer) && signedBy(cert, cert)) {
      fail(path, false, 'untrusted_signer', anchors.length
        ? `цепочка не доходит до доверенного корня: корневой сертификат ${named(cert.info)} не входит в число доверенных`
        : 'цепочка не доходит до доверенного корня: доверенные корневые сертификаты не заданы');
      return null;
    }
    const candidates = [...anchors, ...pool].filter((c) => c.s.subjectDer.equals(cert.s.issuerDer) && !path.some((p) => p.s.der.equals(c.s.der)));
    if (!candidates.length) {
      const selfSigned = cert.s.subjectDer.equals(cert.s.issuerDer);
      fail(path, false, 'untrusted_signer', !anchors.length
        ? 'цепочка не доходит до доверенного корня: доверенные корневые сертификаты не заданы'
        : selfSigned ? `цепочка не доходит до доверенного корня: корневой сертификат ${named(cert.info)} не входит в число доверенных`
          : `цепочка не доходит до доверенного корня: издатель ${issuerNamed(cert.info)} сертификата ${named(cert.info)} не найден`);
      return null;
    }
    for (const issuer of candidates) {
      let holds: boolean;
      try {
        holds = verifySignatureValue(cert.s.signatureAlgOid, issuer.s.spki, cert.s.tbs, cert.s.signatureValue, { paramsDer: cert.s.signatureParams });
      } catch (e) {
        if (!(e instanceof SigningError)) throw e;
        fail(path, false, 'unsupported_algorithm', `сертификат ${named(cert.info)} подписан алгоритмом ${algorithmName(cert.s.signatureAlgOid)}, который здесь не проверяется`);
        continue;
      }
      if (!holds) {
        fail(path, false, 'chain_invalid', `подпись сертификата ${named(cert.info)} не сходится с ключом издателя ${named(issuer.info)}`);
        continue;
      }
      const next = [...path, issuer];
      if (issuer.anchor) {
        const problem = checkPath(next, at);
        if (!problem) return { ok: true, path: next.map((n) => n.info) };
        fail(next, true, problem.reason, problem.message);
        continue;
      }
      if (next.length > MAX_DEPTH) continue;
      const r = walk(next);
      if (r) return r;
    }
    return null;
  };
  const found = walk([signer]);
  if (found) return found;
  return best!.r;
}

/** Does `issuer`'s key verify `cert`'s signature? False also when the algorithm cannot be checked here. */
function signedBy(cert: Node, issuer: Node): boolean {
  try {
    return verifySignatureValue(cert.s.signatureAlgOid, issuer.s.spki, cert.s.tbs, cert.s.signatureValue, { paramsDer: cert.s.signatureParams });
  } catch {
    return false;
  }
}

/** Validity at `at` of every certificate and the CA rights of every issuer on a complete path; null when it holds. */
function checkPath(path: Node[], at: Date): Extract<PathResult, { ok: false }> | null {
  const bad = (reason: PathFailure, message: string) => ({ ok: false as const, reason, message: cap(message), path: path.map((n) => n.info) });
  for (let i = 0; i < path.length; i++) {
    const { info, s } = path[i];
    const role = i === 0 ? 'подписавшего' : i === path.length - 1 ? 'корневого УЦ' : 'промежуточного УЦ';
    if (at > info.notAfter) return bad('certificate_expired', i === 0
      ? `сертификат подписавшего ${named(info)} не действовал в момент подписания: истёк ${formatDate(info.notAfter.toISOString())}`
      : `сертификат ${role} ${named(info)} истёк ${formatDate(info.notAfter.toISOString())}`);
    if (at < info.notBefore) return bad('certificate_expired', i === 0
      ? `сертификат подписавшего ${named(info)} не действовал в момент подписания: действует с ${formatDate(info.notBefore.toISOString())}`
      : `сертификат ${role} ${named(info)} ещё не действовал: действует с ${formatDate(info.notBefore.toISOString())}`);
    if (i > 0) {
      // an issuer must be a CA (a directly trusted signer at the end of a path of one is not an issuer)
      if (s.isCa !== true) return bad('chain_invalid', `сертификат ${named(info)} выдал сертификат ${named(path[i - 1].info)}, но не является сертификатом УЦ`);
      if (s.keyUsage && !s.keyUsage.keyCertSign) return bad('chain_invalid', `сертификату УЦ ${named(info)} не разрешено подписывать сертификаты (keyCertSign)`);
    }
  }
  return null;
}
