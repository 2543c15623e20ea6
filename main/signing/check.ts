// A detached signature judged for a screen or a report: is it intact, does its signer's path reach a trusted root,
// and who signed, as a person. The one place that turns verifyDetached's answer into the contract's SignatureCheck.
import type { FileSignatureCheck, SignatureCheck } from '../../preload/contract.ts';
import { verifySignatureTimestamp } from './timestamp.ts';
import { verifyDetached, type VerifyFailure } from './cms.ts';
import type { TrustAnchors } from './trust.ts';
import { signerPerson } from './x509.ts';

/** Failures of the path, not of the signature: the data and the signature value are intact. */
const PATH_FAILURES: ReadonlySet<VerifyFailure> = new Set(['untrusted_signer', 'certificate_expired', 'chain_invalid']);

export function checkSignature(signature: Buffer, data: Buffer, anchors: TrustAnchors): SignatureCheck {
  const r = verifyDetached(signature, data, anchors.pems);
  const signer = r.signer ? signerPerson(r.signer) : null;
  const chain = (r.chain ?? []).map((c) => ({ commonName: c.commonName, subject: c.subject, notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString() }));
  const signingTime = r.signingTime ? r.signingTime.toISOString() : null;
  if (r.ok) {
    const root = r.chain[r.chain.length - 1];
    return { intact: true, trusted: true, signer, chain, signingTime, message: `Подпись верна, цепочка сертификатов доходит до доверенного корня «${root.commonName}»` };
  }
  if (PATH_FAILURES.has(r.reason)) {
    return anchors.source === 'none'
      ? { intact: true, trusted: null, signer, chain, signingTime, message: 'Подпись цела; доверие к подписавшему не проверялось: доверенные корневые сертификаты не заданы' }
      : { intact: true, trusted: false, signer, chain, signingTime, message: `Подпись цела, но ${r.message.charAt(0).toLowerCase()}${r.message.slice(1)}` };
  }
  return { intact: r.reason === 'unsupported_algorithm' ? null : false, trusted: null, signer, chain, signingTime, message: r.message };
}

/** A .p7s brought with a file («Проверка документа»): the signature over the file's bytes, its path to the anchors, its
 *  signer, and its trusted time checked against the TSA certificates (`tsaTrustedCertsPem`; none: not trusted). Not a
 *  CMS at all is said so, not thrown. */
export async function checkFileSignature(signature: Buffer, data: Buffer, anchors: TrustAnchors, tsaTrustedCertsPem?: string[]): Promise<FileSignatureCheck> {
  const check = checkSignature(signature, data, anchors);
  if (check.intact === false) return { ...check, timestamp: null, timestampProblem: null };
  const time = await verifySignatureTimestamp(signature, tsaTrustedCertsPem).catch(() => ({ timestamp: null, problem: null }));
  return { ...check, timestamp: time.timestamp, timestampProblem: time.problem };
}
