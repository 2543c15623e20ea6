// Стрибог (GOST R 34.11-2012) in plain TypeScript against the standard's examples and OpenSSL's GOST engine.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Streebog, streebog256, streebog512 } from '../../main/signing/gost/streebog.ts';
import { gostReferee } from './gost-openssl.ts';

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

// GOST R 34.11-2012 appendix A / RFC 6986 §10: M1 is 63 ASCII digits, M2 the Слово о полку Игореве line in
// Windows-1251. The expected values are the standard's hash values written as OpenSSL prints them (least significant
// byte first), e.g. the standard's H256(M1) = 00557be5…ef1e159d.
const M1 = Buffer.from('012345678901234567890123456789012345678901234567890123456789012', 'ascii');
const M2 = Buffer.from(
  'd1e520e2e5f2f0e82c20d1f2f0e8e1eee6e820e2edf3f6e82c20e2e5fef2fa20f120eceef0ff20f1f2f0e5ebe0ece820ede020f5f0e0e1f0fbff20efebfaeafb20c8e3eef0e5e2fb',
  'hex',
);

describe('Стрибог: the standard\'s examples', () => {
  it('M1 (63 bytes): 256 and 512', () => {
    expect(M1.length).toBe(63);
    expect(hex(streebog512(M1))).toBe('1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48');
    expect(hex(streebog256(M1))).toBe('9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500');
  });

  it('M2 (72 bytes, Windows-1251 text): 256 and 512', () => {
    expect(M2.length).toBe(72);
    expect(new TextDecoder('windows-1251').decode(M2)).toBe('Се ветри, Стрибожи внуци, веютъ с моря стрелами на храбрыя плъкы Игоревы');
    expect(hex(streebog512(M2))).toBe('1e88e62226bfca6f9994f1f2d51569e0daf8475a3b0fe61a5300eee46d961376035fe83549ada2b8620fcd7c496ce5b33f0cb9dddc2b6460143b03dabac9fb28');
    expect(hex(streebog256(M2))).toBe('9dd2fe4e90409e5da87f53976d7405b0c0cac628fc669a741d50063c557e8f50');
  });

  it('fed in pieces of any size, the streaming hash gives the one-shot digest', () => {
    const data = randomBytes(1000);
    for (const bits of [256, 512] as const) {
      const whole = hex(new Streebog(bits).update(data).digest());
      for (const piece of [1, 7, 63, 64, 65, 200]) {
        const h = new Streebog(bits);
        for (let i = 0; i < data.length; i += piece) h.update(data.subarray(i, i + piece));
        expect(hex(h.digest()), `${bits} bits in pieces of ${piece}`).toBe(whole);
      }
    }
  });
});

const referee = gostReferee();
afterAll(() => referee.openssl?.cleanup());

describe.skipIf(referee.skip !== null)(`Стрибог against openssl dgst -md_gost12_256/512${referee.skip ? ` (skipped: ${referee.skip})` : ''}`, () => {
  const lengths = [0, 1, 2, 31, 32, 33, 63, 64, 65, 127, 128, 129, 191, 192, 1000, 4096, 65_537, 2 ** 20];
  it(`agrees on random inputs of ${lengths.length} lengths, 0 bytes to 1 MiB, block edges included`, () => {
    const o = referee.openssl!;
    for (const n of lengths) {
      const data = randomBytes(n);
      expect(hex(streebog256(data)), `256, ${n} bytes`).toBe(o.run(['dgst', '-md_gost12_256', '-binary'], data).toString('hex'));
      expect(hex(streebog512(data)), `512, ${n} bytes`).toBe(o.run(['dgst', '-md_gost12_512', '-binary'], data).toString('hex'));
    }
  });

  it('agrees on inputs of all 0x00 and all 0xFF bytes (the 512-bit counters carry)', () => {
    const o = referee.openssl!;
    for (const data of [Buffer.alloc(640, 0x00), Buffer.alloc(640, 0xff), Buffer.alloc(64, 0xff)]) {
      expect(hex(streebog256(data))).toBe(o.run(['dgst', '-md_gost12_256', '-binary'], data).toString('hex'));
      expect(hex(streebog512(data))).toBe(o.run(['dgst', '-md_gost12_512', '-binary'], data).toString('hex'));
    }
  });
});
