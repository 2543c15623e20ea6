// The share's own certificate (issue 18): what openssl reads in it, many times over — a serial or a signature whose DER
// is not in its shortest form fails only now and then, and then the share does not start.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, expect, it } from 'vitest';
import { removeScratchDirs, scratchDir } from '../helpers/db.ts';
import { makeCertificate } from '../../main/network/certificate.ts';

afterAll(removeScratchDirs);

it('ECDSA P-256, self-signed, names the address and the name; openssl reads the same fingerprint; TLS loads it — 40 times', async () => {
  const file = path.join(scratchDir(), 'cert.pem');
  for (let i = 0; i < 40; i++) {
    const c = await makeCertificate({ addresses: ['192.168.1.10'], names: ['register-pc'] });
    const text = execFileSync('openssl', ['x509', '-noout', '-text', '-fingerprint', '-sha256'], { input: c.certPem }).toString();
    expect(text).toContain(`Fingerprint=${c.fingerprint}`);
    expect(text).toMatch(/NIST CURVE: P-256/);
    expect(text).toContain('DNS:register-pc, IP Address:192.168.1.10');
    expect(text).toContain('TLS Web Server Authentication');
    fs.writeFileSync(file, c.certPem);
    // its own signature checked too (-check_ss_sig): a self-signed certificate is its own anchor
    const verified = execFileSync('openssl', ['verify', '-check_ss_sig', '-partial_chain', '-CAfile', file, file]).toString();
    expect(verified).toMatch(/OK/);
    expect(() => tls.createSecureContext({ key: c.keyPem, cert: c.certPem })).not.toThrow();
  }
}, 120_000);
