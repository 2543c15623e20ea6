// The DER building blocks the CMS writers share (cms.ts for RSA/ECDSA, gost-cms.ts for GOST): forge's ASN.1 nodes for
// SEQUENCE, SET, OID, INTEGER, OCTET STRING, NULL and [n] context tags, and the node's DER bytes.
import forge from 'node-forge';

export type Asn1 = forge.asn1.Asn1;

// Nothing of forge is read when this module loads: the command line loads node-forge only for the commands that sign
// or check (build/scripts/bundle-cli.mjs makes the import a proxy that loads the package on first use).
/** forge.asn1.Class.UNIVERSAL (the universal class is 0 in X.690). */
export const U = 0;
/** forge.asn1 itself, read on first use (modules keep `asn1.…` in their code without loading forge at their start). */
export const asn1 = new Proxy({} as typeof forge.asn1, {
  get: (_, k) => {
    const v = forge.asn1[k as keyof typeof forge.asn1];
    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(forge.asn1) : v;
  },
});
/** forge.asn1.Type, read when a tag is first asked for. */
export const T = new Proxy({} as typeof forge.asn1.Type, { get: (_, k) => forge.asn1.Type[k as keyof typeof forge.asn1.Type] });
export const seq = (v: Asn1[]) => forge.asn1.create(U, T.SEQUENCE, true, v);
export const set = (v: Asn1[]) => forge.asn1.create(U, T.SET, true, v);
export const oid = (o: string) => forge.asn1.create(U, T.OID, false, forge.asn1.oidToDer(o).getBytes());
export const int = (n: number) => forge.asn1.create(U, T.INTEGER, false, forge.asn1.integerToDer(n).getBytes());
export const octets = (b: Buffer) => forge.asn1.create(U, T.OCTETSTRING, false, b.toString('binary'));
export const nul = () => forge.asn1.create(U, T.NULL, false, '');
export const ctx = (tag: number, v: Asn1[]) => forge.asn1.create(forge.asn1.Class.CONTEXT_SPECIFIC, tag, true, v);
export const der = (n: Asn1) => Buffer.from(forge.asn1.toDer(n).getBytes(), 'binary');
