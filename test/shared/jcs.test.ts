// RFC 8785 against the RFC's own published examples: §3.2.2 (the sample and its UTF-8 bytes, §3.2.4), §3.2.3
// (property sorting) and Appendix B (number serialization by IEEE 754 bit pattern).
import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalJson, CanonicalizationError } from '../../main/shared/jcs.ts';

const double = (bits: string) => {
  const v = new DataView(new ArrayBuffer(8));
  v.setBigUint64(0, BigInt(`0x${bits}`));
  return v.getFloat64(0);
};

describe('canonicalJson (RFC 8785)', () => {
  it('§3.2.2: the sample input canonicalises to the published output and §3.2.4 bytes', () => {
    // The RFC's input text, parsed as any JSON parser would (the number literals are the RFC's own).
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    const out = canonicalJson(JSON.parse(input));
    expect(out).toBe(String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`);
    const hex = `7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72 75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72
      73 22 3a 5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31 65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c
      31 65 2d 32 37 5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30 30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c
      5c 22 2f 22 7d`.replace(/\s+/g, '');
    expect(canonicalBytes(JSON.parse(input)).toString('hex')).toBe(hex);
  });

  it('§3.2.3: members are sorted by UTF-16 code units, not by code points or locale', () => {
    const input = String.raw`{
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }`;
    // (Object.keys would put the integer-like "1" first: read the names in the text's own order.)
    const names = [...canonicalJson(JSON.parse(input)).matchAll(/"((?:[^"\\]|\\.)*)":"[^"]*"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
    expect(names.map((n) => [...n].map((c) => c.codePointAt(0)!.toString(16)).join())).toEqual(['d', '31', '80', 'f6', '20ac', '1f600', 'fb33']);
    expect(canonicalJson(JSON.parse(input))).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign",'
      + '"😀":"Emoji: Grinning Face","דּ":"Hebrew Letter Dalet With Dagesh"}');
    // Sorting is recursive, arrays keep their order.
    expect(canonicalJson({ b: [{ z: 1, a: 2 }, 3], a: { y: null, x: true } })).toBe('{"a":{"x":true,"y":null},"b":[{"a":2,"z":1},3]}');
  });

  const appendixB: Array<[string, string]> = [
    ['0000000000000000', '0'], ['8000000000000000', '0'], ['0000000000000001', '5e-324'], ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'], ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'], ['c340000000000000', '-9007199254740992'], ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'], ['44b52d02c7e14af6', '1e+23'], ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'], ['444b1ae4d6e2ef4f', '999999999999999900000'], ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'], ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'], ['41b3de4355555554', '333333333.33333325'], ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'], ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'], ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  it.each(appendixB)('Appendix B: 0x%s → %s', (bits, expected) => {
    expect(canonicalJson(double(bits))).toBe(expected);
    expect(canonicalJson({ n: double(bits) })).toBe(`{"n":${expected}}`);
  });

  it('Appendix B: NaN and Infinity are errors, as are values outside I-JSON', () => {
    expect(() => canonicalJson(double('7fffffffffffffff'))).toThrow(CanonicalizationError);
    expect(() => canonicalJson(double('7ff0000000000000'))).toThrow(CanonicalizationError);
    expect(() => canonicalJson({ a: { b: '\ud800x' } })).toThrow(/\$\.a\.b: a string holds a lone UTF-16 surrogate/);
    expect(() => canonicalJson({ a: undefined })).toThrow(/\$\.a/);
    expect(() => canonicalJson([new Date(0)])).toThrow(/\$\[0\]: a Date object/);
    expect(() => canonicalJson(1n)).toThrow(/bigint/);
  });

  it('escapes exactly the characters §3.2.2.2 names, and keeps Cyrillic as UTF-8', () => {
    const controls = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('');
    expect(canonicalJson(controls)).toBe('"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f'
      + '\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"');
    expect(canonicalJson('Иванов «А» /\u007f')).toBe('"Иванов «А» /\u007f"');
    expect(canonicalBytes({ 'ФИО': 'Ёж' }).toString('hex')).toBe(Buffer.from('{"ФИО":"Ёж"}', 'utf8').toString('hex'));
  });
});
