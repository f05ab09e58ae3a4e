import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonString, isAuditError, JCS_MAX_DEPTH } from '../src/index.ts';

function expectInvalid(value: unknown, options?: { maxDepth?: number }): void {
  try {
    canonicalJson(value, options);
  } catch (err) {
    expect(isAuditError(err, 'ERR_AUDIT_INVALID')).toBe(true);
    return;
  }
  expect.fail('canonicalJson accepted a value outside I-JSON');
}

describe('RFC 8785 known answers', () => {
  it('serializes the primitives of §3.2.2 as §3.2.3 shows, byte for byte (§3.2.4)', () => {
    const input = JSON.parse(
      '{\n  "numbers": [333333333.33333329, 1E30, 4.50,\n              2e-3, 0.000000000000000000000000001],\n' +
        '  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n  "literals": [null, true, false]\n}',
    ) as unknown;
    const expected =
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
      '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';
    expect(canonicalJsonString(input)).toBe(expected);
    // §3.2.4, the UTF-8 bytes as the RFC lists them.
    const hex = `
      7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72
      75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a
      5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31
      65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37
      5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30
      30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d`;
    expect(canonicalJson(input).toString('hex')).toBe(hex.replace(/\s+/g, ''));
  });

  it('sorts the properties of §3.2.3 by UTF-16 code units', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    expect(canonicalJsonString(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  // RFC 8785 Appendix B: IEEE 754 bit patterns and their serializations.
  const appendixB: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  it.each(appendixB)('serializes the double %s as %s (Appendix B)', (bits, expected) => {
    const value = Buffer.from(bits, 'hex').readDoubleBE(0);
    expect(canonicalJsonString(value)).toBe(expected);
    expect(canonicalJsonString([value])).toBe(`[${expected}]`);
  });

  it.each([
    ['7fffffffffffffff', 'NaN'],
    ['7ff0000000000000', 'Infinity'],
    ['fff0000000000000', '-Infinity'],
  ])('refuses the double %s (%s, Appendix B)', (bits) => {
    expectInvalid({ n: Buffer.from(bits, 'hex').readDoubleBE(0) });
  });
});

describe('string escaping (RFC 8785 §3.2.2.2)', () => {
  it('orders array-index keys as text too, where JavaScript would put them first in numeric order', () => {
    const details = { b: 1, '10': 'ten', '2': 'two', a: { '0': true, z: null, '01': 'not an index' } };
    expect(canonicalJsonString(details)).toBe(
      '{"10":"ten","2":"two","a":{"0":true,"01":"not an index","z":null},"b":1}',
    );
  });

  it('escapes controls as \\uXXXX in lowercase hex except the five short forms, and nothing else', () => {
    const all = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)).join('');
    expect(canonicalJsonString(all)).toBe(
      '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f' +
        '\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"',
    );
    expect(canonicalJsonString('/\u007f\u2028\u2029\u00e9\ud83d\ude00"\\')).toBe(
      '"/\u007f\u2028\u2029\u00e9\ud83d\ude00\\"\\\\"',
    );
  });

  it('writes characters outside ASCII as UTF-8 bytes', () => {
    expect(canonicalJson('\u00e9\ud83d\ude00').toString('hex')).toBe('22c3a9f09f988022');
  });
});

describe('when the value is outside I-JSON', () => {
  it.each([
    ['undefined at the top', undefined],
    ['an undefined member', { a: undefined }],
    ['an undefined array element', [1, undefined]],
    ['a hole in an array', [1, , 3]], // eslint-disable-line no-sparse-arrays
    ['a function', { f: () => 1 }],
    ['a symbol', Symbol('s')],
    ['a bigint', { n: 1n }],
    ['a lone high surrogate', '\ud800'],
    ['a lone low surrogate in a key', { '\udc00x': 1 }],
    ['a Date', { at: new Date(0) }],
    ['a Map', new Map()],
    ['a boxed number', { n: new Number(1) }],
    ['a Buffer', Buffer.from('x')],
    ['a class instance', new (class Point {})()],
    ['a symbol-keyed property', { [Symbol('k')]: 1 }],
  ])('refuses %s', (_label, value) => {
    expectInvalid(value);
  });

  it('refuses a cycle', () => {
    const a: Record<string, unknown> = { x: 1 };
    a['self'] = [a];
    expectInvalid(a);
    expectInvalid(a, { maxDepth: Infinity });
  });

  it('accepts the same object twice when it is not its own ancestor', () => {
    const shared = { k: 1 };
    expect(canonicalJsonString({ a: shared, b: [shared] })).toBe('{"a":{"k":1},"b":[{"k":1}]}');
  });

  it(`refuses nesting deeper than ${JCS_MAX_DEPTH}, or than the limit given`, () => {
    const nest = (depth: number): unknown => (depth === 0 ? 0 : [nest(depth - 1)]);
    expect(() => canonicalJson(nest(JCS_MAX_DEPTH))).not.toThrow();
    expectInvalid(nest(JCS_MAX_DEPTH + 1));
    expectInvalid({ a: { b: {} } }, { maxDepth: 2 });
    expect(canonicalJsonString({ a: { b: {} } }, { maxDepth: 3 })).toBe('{"a":{"b":{}}}');
  });

  it('accepts an object without a prototype', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare['b'] = 1;
    bare['a'] = 2;
    expect(canonicalJsonString(bare)).toBe('{"a":2,"b":1}');
  });
});

// A seeded generator of JSON values, so a failure names a seed that reproduces it.
function generator(seed: number): (maxDepth: number) => unknown {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const alphabet = [
    'a',
    'b',
    'Z',
    '0',
    ' ',
    '"',
    '\\',
    '/',
    '\n',
    '\u0001',
    '\u007f',
    '\u00e9',
    '\u20ac',
    '\u2028',
    '\uff61',
    '\ud83d\ude00',
    '\ufb33',
  ];
  const string = (): string => Array.from({ length: int(6) }, () => alphabet[int(alphabet.length)]).join('');
  const number = (): number => {
    switch (int(4)) {
      case 0:
        return int(2001) - 1000;
      case 1:
        return (next() - 0.5) * 10 ** (int(40) - 20);
      case 2: {
        const bits = Buffer.alloc(8);
        bits.writeUInt32BE(int(2 ** 32), 0);
        bits.writeUInt32BE(int(2 ** 32), 4);
        const v = bits.readDoubleBE(0);
        return Number.isFinite(v) && !Object.is(v, -0) ? v : 1;
      }
      default:
        return Number((next() * 1000).toFixed(int(4)));
    }
  };
  const value = (depth: number): unknown => {
    const kind = int(depth > 0 ? 7 : 5);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return next() < 0.5;
      case 2:
      case 3:
        return number();
      case 4:
        return string();
      case 5:
        return Array.from({ length: int(4) }, () => value(depth - 1));
      default: {
        const out: Record<string, unknown> = {};
        for (let i = int(5); i > 0; i--) out[string()] = value(depth - 1);
        return out;
      }
    }
  };
  return value;
}

function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, seed));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  entries.reverse();
  if (seed % 2 === 1 && entries.length > 1) entries.push(entries.shift()!);
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, seed + 1)]));
}

describe('properties over random JSON values', () => {
  const seeds = Array.from({ length: 200 }, (_, i) => i + 1);

  it('reads back what it wrote, is idempotent, ignores key order and agrees with the canonicalize package', () => {
    for (const seed of seeds) {
      const value = generator(seed)(4);
      const text = canonicalJsonString(value);
      const parsed = JSON.parse(text) as unknown;
      expect(parsed, `seed ${seed}`).toEqual(value);
      expect(canonicalJsonString(parsed), `seed ${seed}`).toBe(text);
      expect(canonicalJsonString(shuffleKeys(value, seed)), `seed ${seed}`).toBe(text);
      expect(canonicalize(value), `seed ${seed}`).toBe(text);
      expect(canonicalJson(value).equals(Buffer.from(text, 'utf8'))).toBe(true);
    }
  });
});
