// The DER building blocks the CMS writers share (cms.ts for RSA/ECDSA, gost-cms.ts for GOST): forge's ASN.1 nodes for
// SEQUENCE, SET, OID, INTEGER, OCTET STRING, NULL and [n] context tags, and the node's DER bytes.
import forge from 'node-forge';

export type Asn1 = forge.asn1.Asn1;
const asn1 = forge.asn1;

export const U = asn1.Class.UNIVERSAL;
export const T = asn1.Type;
export const seq = (v: Asn1[]) => asn1.create(U, T.SEQUENCE, true, v);
export const set = (v: Asn1[]) => asn1.create(U, T.SET, true, v);
export const oid = (o: string) => asn1.create(U, T.OID, false, asn1.oidToDer(o).getBytes());
export const int = (n: number) => asn1.create(U, T.INTEGER, false, asn1.integerToDer(n).getBytes());
export const octets = (b: Buffer) => asn1.create(U, T.OCTETSTRING, false, b.toString('binary'));
export const nul = () => asn1.create(U, T.NULL, false, '');
export const ctx = (tag: number, v: Asn1[]) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, true, v);
export const der = (n: Asn1) => Buffer.from(asn1.toDer(n).getBytes(), 'binary');
