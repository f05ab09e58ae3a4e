import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Known answers for the national algorithms GM mode is built on, as Node's
 * OpenSSL computes them: every vector of testdata/gm (GB/T 32905
 * SM3, GB/T 32907 SM4, GM/T 0042 HMAC-SM3). Keys go in as KeyObjects, the
 * way the field cipher uses them. ECB appears here only to reach the raw
 * block function the standard's vectors are stated for; no code uses it.
 */
const GM = new URL('../../../testdata/gm/', import.meta.url);

interface Sm3Vector {
  id: string;
  messageHex: string;
  digestHex: string;
}
interface Sm4Block {
  id: string;
  keyHex: string;
  plaintextHex: string;
  ciphertextHex: string;
}
interface Sm4Iterated extends Sm4Block {
  iterations: number;
}
interface Sm4Mode extends Sm4Block {
  mode: string;
  ivHex: string;
}
interface HmacVector {
  id: string;
  keyHex: string;
  messageHex: string;
  macHex: string;
}

function load<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, GM), 'utf8')) as T;
}

const hex = (s: string) => Buffer.from(s, 'hex');
const sm3 = load<{ vectors: Sm3Vector[] }>('sm3.json').vectors;
const sm4 = load<{
  blockVectors: Sm4Block[];
  iteratedVectors: Sm4Iterated[];
  modeVectors: { vectors: Sm4Mode[] };
}>('sm4.json');
const hmacSm3 = load<{ vectors: HmacVector[] }>('hmac-sm3.json').vectors;

/** One block through the raw SM4 permutation, padding off. */
function block(direction: 'encrypt' | 'decrypt', key: Buffer, input: Buffer): Buffer {
  const make = direction === 'encrypt' ? createCipheriv : createDecipheriv;
  const c = make('sm4-ecb', createSecretKey(key), null).setAutoPadding(false);
  return Buffer.concat([c.update(input), c.final()]);
}

describe('SM3 (GB/T 32905-2016)', () => {
  it('has all the vectors', () => expect(sm3).toHaveLength(3));
  it.each(sm3.map((v) => [v.id, v] as const))('%s', (_, v) => {
    expect(createHash('sm3').update(hex(v.messageHex)).digest('hex')).toBe(v.digestHex);
  });
});

describe('SM4 (GB/T 32907-2016)', () => {
  it.each(sm4.blockVectors.map((v) => [v.id, v] as const))('block %s, both ways', (_, v) => {
    expect(block('encrypt', hex(v.keyHex), hex(v.plaintextHex)).toString('hex')).toBe(v.ciphertextHex);
    expect(block('decrypt', hex(v.keyHex), hex(v.ciphertextHex)).toString('hex')).toBe(v.plaintextHex);
  });

  it.each(sm4.iteratedVectors.map((v) => [v.id, v] as const))('iterated %s, and back', (_, v) => {
    // One context, one block per update: the key schedule runs once; 10^6 rounds each way take a second or two.
    const key = createSecretKey(hex(v.keyHex));
    const forward = createCipheriv('sm4-ecb', key, null).setAutoPadding(false);
    let state = hex(v.plaintextHex);
    for (let i = 0; i < v.iterations; i++) state = forward.update(state);
    expect(state.toString('hex')).toBe(v.ciphertextHex);
    const backward = createDecipheriv('sm4-ecb', key, null).setAutoPadding(false);
    for (let i = 0; i < v.iterations; i++) state = backward.update(state);
    expect(state.toString('hex')).toBe(v.plaintextHex);
  });

  it.each(sm4.modeVectors.vectors.map((v) => [v.id, v] as const))('mode %s, both ways', (_, v) => {
    const name = v.mode.startsWith('CTR') ? 'sm4-ctr' : v.mode === 'CBC' ? 'sm4-cbc' : undefined;
    expect(name).toBeDefined();
    const key = createSecretKey(hex(v.keyHex));
    const enc = createCipheriv(name!, key, hex(v.ivHex)).setAutoPadding(false);
    expect(Buffer.concat([enc.update(hex(v.plaintextHex)), enc.final()]).toString('hex')).toBe(
      v.ciphertextHex,
    );
    const dec = createDecipheriv(name!, key, hex(v.ivHex)).setAutoPadding(false);
    expect(Buffer.concat([dec.update(hex(v.ciphertextHex)), dec.final()]).toString('hex')).toBe(
      v.plaintextHex,
    );
  });
});

describe('HMAC-SM3 (GM/T 0042-2015)', () => {
  it('has all the vectors', () => expect(hmacSm3).toHaveLength(5));
  it.each(hmacSm3.map((v) => [v.id, v] as const))('%s', (_, v) => {
    const mac = createHmac('sm3', createSecretKey(hex(v.keyHex)))
      .update(hex(v.messageHex))
      .digest('hex');
    expect(mac).toBe(v.macHex);
  });
});
