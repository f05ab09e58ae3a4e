import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ed25519NoteSigner,
  formatCheckpoint,
  generateSm2PrivateKey,
  isAuditError,
  openCheckpoint,
  openNote,
  parseNote,
  signCheckpoint,
  sm2NoteSigner,
  sm2NoteVerifier,
  sm2VkeyOf,
  vkeyVerifier,
  type AuditErrorCode,
} from '../src/index.ts';

const run = promisify(execFile);

// GM/T 0003.5-2012 Annex A on sm2p256v1 with the default ID (testdata/gm/README.md says where from).
interface Sm2Vector {
  id: string;
  privateKeyHex: string;
  publicKey: { uncompressedHex: string };
  userIdAscii: string;
  messageHex: string;
  signatureDerHex: string;
}
const vectors = JSON.parse(
  readFileSync(new URL('../../../testdata/gm/sm2.json', import.meta.url), 'utf8'),
) as { vectors: Sm2Vector[] };
const vector = vectors.vectors.find((v) => v.id === 'gmt0003.5-annexA-sm2p256v1-default-id')!;
const vectorPublic = Buffer.from(vector.publicKey.uncompressedHex, 'hex');
const vectorMessage = Buffer.from(vector.messageHex, 'hex');
const vectorSignature = Buffer.from(vector.signatureDerHex, 'hex');

const NAME = 'gm.example/onegate/audit';
const ROOT = Buffer.alloc(32, 0x5a);

function expectError(code: AuditErrorCode, fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(isAuditError(err, code), String(err)).toBe(true);
    return;
  }
  expect.fail(`expected ${code}`);
}

/** The signed-note key ID of `key` (type bytes ‖ public key) under `name`, from the spec's formula alone. */
function specKeyId(name: string, key: Uint8Array): string {
  return createHash('sha256')
    .update(Buffer.concat([Buffer.from(name, 'utf8'), Uint8Array.of(0x0a), key]))
    .digest()
    .subarray(0, 4)
    .toString('hex');
}

/** A vkey for any key bytes, with a key ID that matches them: only what the bytes hold can be wrong. */
const vkeyFor = (name: string, key: Uint8Array) =>
  `${name}+${specKeyId(name, key)}+${Buffer.from(key).toString('base64')}`;

/** Name, key ID and base64 key of a vkey: split at the first two `+` only (base64 has `+` too). */
function vkeyParts(vkey: string): [string, string, string] {
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  return [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)];
}

const SM2_TYPE = Buffer.concat([Uint8Array.of(0xff), Buffer.from('sm2-sm3', 'ascii')]);

/** SubjectPublicKeyInfo of an SM2 point: id-ecPublicKey with the curve OID 1.2.156.10197.1.301 (RFC 5480 shape). */
function sm2SpkiPem(point: Uint8Array): string {
  const prefix = Buffer.from('3059301306072a8648ce3d020106082a811ccf5501822d034200', 'hex');
  const der = Buffer.concat([prefix, point]);
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`;
}

const checkpointBody = (size: number) =>
  formatCheckpoint({ origin: NAME, size, root: ROOT, time: Date.UTC(2026, 10, 27) });

describe('the SM2 signature primitive (GM/T 0003.5 Annex A, default ID)', () => {
  const verifier = sm2NoteVerifier(sm2VkeyOf(NAME, vectorPublic));

  it('accepts the standard’s DER signature over its message', () => {
    expect(vector.userIdAscii).toBe('1234567812345678');
    expect(verifier.verify(vectorMessage, vectorSignature)).toBe(true);
  });

  it('rejects it after one message byte or one signature byte changes', () => {
    const message = Buffer.from(vectorMessage);
    message[3]! ^= 0x01;
    expect(verifier.verify(message, vectorSignature)).toBe(false);
    // A byte of r, and a byte of s (the DER header is 2 + 3 bytes before r, r is 32 bytes).
    for (const at of [20, vectorSignature.length - 1]) {
      const signature = Buffer.from(vectorSignature);
      signature[at]! ^= 0x01;
      expect(verifier.verify(vectorMessage, signature)).toBe(false);
    }
  });

  it('takes only the DER spelling: raw r‖s, a padded integer or trailing bytes are refused', () => {
    const rs = Buffer.concat([vectorSignature.subarray(5, 37), vectorSignature.subarray(40)]);
    expect(rs).toHaveLength(64);
    expect(verifier.verify(vectorMessage, rs)).toBe(false);
    expect(verifier.verify(vectorMessage, Buffer.concat([vectorSignature, Uint8Array.of(0)]))).toBe(false);
    const padded = Buffer.concat([
      Uint8Array.of(0x30, 0x47, 0x02, 0x22, 0x00),
      vectorSignature.subarray(4, 37),
      vectorSignature.subarray(37),
    ]);
    expect(verifier.verify(vectorMessage, padded)).toBe(false);
  });

  it('makes, from the standard’s private key, a signer whose vkey holds the standard’s public key', async () => {
    const signer = sm2NoteSigner(NAME, Buffer.from(vector.privateKeyHex, 'hex'));
    expect(signer.vkey).toBe(sm2VkeyOf(NAME, vectorPublic));
    // SM2 signatures are randomized: the standard's fixed-k signature is not reproduced, but ours verify.
    const signature = await signer.sign(vectorMessage);
    expect(verifier.verify(vectorMessage, signature)).toBe(true);
  });
});

describe('SM2 key IDs and vkeys', () => {
  it('derives the key ID as SHA-256(name ‖ 0x0A ‖ 0xff ‖ "sm2-sm3" ‖ 04‖x‖y)[:4]', () => {
    // Computed once from the formula with node:crypto (not from the code under test), then pinned.
    expect(specKeyId(NAME, Buffer.concat([SM2_TYPE, vectorPublic]))).toBe('8cd2fc56');
    expect(sm2VkeyOf(NAME, vectorPublic)).toBe(
      `${NAME}+8cd2fc56+/3NtMi1zbTMECfnfMR5UIaFQ3X0WHkvFxnIXn60YM/wHa7CP81bzUCDM6kkM4md1pS3G6nGMwapgCu0F+/NeCEpmMvYHLamtEw==`,
    );
    const signer = sm2NoteSigner(NAME, Buffer.from(vector.privateKeyHex, 'hex'));
    expect(signer.keyId).toBe(0x8cd2fc56);
  });

  it('refuses a malformed SM2 vkey: wrong type byte or identifier, a point off the curve, a bad key ID', () => {
    const good = Buffer.concat([SM2_TYPE, vectorPublic]);
    expect(() => sm2NoteVerifier(vkeyFor(NAME, good))).not.toThrow();
    const offCurve = Buffer.from(good);
    offCurve[offCurve.length - 1]! ^= 0x01;
    const compressed = Buffer.concat([SM2_TYPE, Uint8Array.of(0x03), vectorPublic.subarray(1, 33)]);
    const infinityLike = Buffer.concat([SM2_TYPE, Uint8Array.of(0x04), Buffer.alloc(64)]);
    const badKeys: Buffer[] = [
      Buffer.concat([Uint8Array.of(0xfe), good.subarray(1)]),
      Buffer.concat([Uint8Array.of(0x01), good.subarray(1)]),
      Buffer.concat([Uint8Array.of(0xff), Buffer.from('sm2-sm4'), vectorPublic]),
      Buffer.concat([Uint8Array.of(0xff), Buffer.from('SM2-SM3'), vectorPublic]),
      offCurve,
      compressed,
      infinityLike,
      good.subarray(0, good.length - 1),
      Buffer.concat([good, Uint8Array.of(0)]),
    ];
    for (const key of badKeys) {
      expectError('ERR_AUDIT_INVALID', () => sm2NoteVerifier(vkeyFor(NAME, key)));
    }
    const [name, keyId, key] = vkeyParts(vkeyFor(NAME, good));
    const wrongId = (Number.parseInt(keyId, 16) ^ 1).toString(16).padStart(8, '0');
    for (const bad of [
      `${name}+${wrongId}+${key}`,
      `other.example/log+${keyId}+${key}`,
      `${name}+${keyId.toUpperCase()}+${key}`,
      `${name}+${keyId}`,
      `${name}+${keyId}+${key.replace(/=+$/, '')}`,
    ]) {
      expectError('ERR_AUDIT_INVALID', () => sm2NoteVerifier(bad));
    }
  });

  it('refuses a private key out of range, and a name that is not a key name', () => {
    const n = Buffer.from('fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123', 'hex');
    const nMinus1 = Buffer.from(n);
    nMinus1[31]! -= 1;
    for (const d of [Buffer.alloc(32), nMinus1, n, Buffer.alloc(31, 1)]) {
      expectError('ERR_AUDIT_INVALID', () => sm2NoteSigner(NAME, d));
    }
    expectError('ERR_AUDIT_INVALID', () => sm2NoteSigner('has space', generateSm2PrivateKey()));
  });

  it('picks the verifier by the type byte: Ed25519 and SM2 vkeys both read, other types refused', () => {
    const ed = ed25519NoteSigner(NAME, generateKeyPairSync('ed25519').privateKey);
    const sm = sm2NoteSigner(NAME, generateSm2PrivateKey());
    expect(vkeyVerifier(ed.vkey).keyId).toBe(ed.keyId);
    expect(vkeyVerifier(sm.vkey).keyId).toBe(sm.keyId);
    expectError('ERR_AUDIT_INVALID', () =>
      vkeyVerifier(vkeyFor(NAME, Buffer.concat([Uint8Array.of(0x02), vectorPublic]))),
    );
    expectError('ERR_AUDIT_INVALID', () => vkeyVerifier('no-plus-at-all'));
  });
});

describe('checkpoints signed with Ed25519 and SM2', () => {
  const ed = ed25519NoteSigner(NAME, generateKeyPairSync('ed25519').privateKey);
  const sm = sm2NoteSigner(NAME, generateSm2PrivateKey());
  const edVerifier = vkeyVerifier(ed.vkey);
  const smVerifier = vkeyVerifier(sm.vkey);

  it('round-trips a checkpoint signed with SM2 alone', async () => {
    const note = await signCheckpoint(checkpointBody(7), sm);
    expect(openCheckpoint(note, [smVerifier], { origin: NAME })).toMatchObject({ size: 7, root: ROOT });
  });

  it('carries two lines under the origin, Ed25519 first, and opens with either key alone or both', async () => {
    const note = await signCheckpoint(checkpointBody(42), [ed, sm]);
    const { signatures } = parseNote(note);
    expect(signatures.map((s) => [s.name, s.keyId])).toEqual([
      [NAME, ed.keyId],
      [NAME, sm.keyId],
    ]);
    expect(signatures[0]!.signature).toHaveLength(64);
    expect(openNote(note, [edVerifier]).verifiedBy).toEqual([signatures[0]]);
    expect(openNote(note, [smVerifier]).verifiedBy).toEqual([signatures[1]]);
    expect(openNote(note, [edVerifier, smVerifier]).verifiedBy).toEqual(signatures);
    expect(openCheckpoint(note, [smVerifier]).size).toBe(42);
  });

  it('rejects the note when its SM2 line is forged, and a changed text under the SM2 key', async () => {
    const note = await signCheckpoint(checkpointBody(42), [ed, sm]);
    const lines = note.split('\n');
    const last = lines.length - 2;
    const raw = Buffer.from(lines[last]!.split(' ')[2]!, 'base64');
    raw[raw.length - 3]! ^= 0x01;
    lines[last] = `${lines[last]!.split(' ').slice(0, 2).join(' ')} ${raw.toString('base64')}`;
    const forged = lines.join('\n');
    expectError('ERR_AUDIT_VERIFY', () => openNote(forged, [smVerifier]));
    // Every trusted line must verify: the good Ed25519 line does not rescue it.
    expectError('ERR_AUDIT_VERIFY', () => openNote(forged, [edVerifier, smVerifier]));
    expectError('ERR_AUDIT_VERIFY', () => openNote(note.replace('\n42\n', '\n43\n'), [smVerifier]));
  });
});

describe('the OpenSSL CLI and our SM2 lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onegate-sm2-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies a checkpoint’s SM2 signature with the public key as SPKI PEM and distid 1234567812345678', async () => {
    const sm = sm2NoteSigner(NAME, generateSm2PrivateKey());
    const note = await signCheckpoint(checkpointBody(1000), sm);
    const { text, signatures } = parseNote(note);
    const point = Buffer.from(vkeyParts(sm.vkey)[2], 'base64').subarray(8);
    writeFileSync(join(dir, 'pub.pem'), sm2SpkiPem(point));
    writeFileSync(join(dir, 'text'), text);
    writeFileSync(join(dir, 'sig.der'), signatures[0]!.signature);
    const verify = (sigFile: string) =>
      run('/usr/bin/openssl', [
        'pkeyutl',
        '-verify',
        '-pubin',
        '-inkey',
        join(dir, 'pub.pem'),
        '-rawin',
        '-digest',
        'sm3',
        '-pkeyopt',
        'distid:1234567812345678',
        '-in',
        join(dir, 'text'),
        '-sigfile',
        join(dir, sigFile),
      ]);
    const { stdout } = await verify('sig.der');
    expect(stdout).toContain('Signature Verified Successfully');

    const bad = Buffer.from(signatures[0]!.signature);
    bad[10]! ^= 0x01;
    writeFileSync(join(dir, 'bad.der'), bad);
    const refused = await verify('bad.der').then(
      (r) => r.stdout,
      (err: { stdout: string }) => err.stdout,
    );
    expect(refused).toContain('Signature Verification Failure');
  });

  it('accepts what OpenSSL signs with a fresh SM2 key over a checkpoint text', async () => {
    const key = join(dir, 'key.pem');
    await run('/usr/bin/openssl', ['genpkey', '-algorithm', 'SM2', '-out', key]);
    const spki = (
      await run('/usr/bin/openssl', ['pkey', '-in', key, '-pubout', '-outform', 'DER'], {
        encoding: 'buffer',
      })
    ).stdout;
    const point = spki.subarray(spki.length - 65);
    const text = checkpointBody(5);
    writeFileSync(join(dir, 'text2'), text);
    await run('/usr/bin/openssl', [
      'pkeyutl',
      '-sign',
      '-inkey',
      key,
      '-rawin',
      '-digest',
      'sm3',
      '-pkeyopt',
      'distid:1234567812345678',
      '-in',
      join(dir, 'text2'),
      '-out',
      join(dir, 'sig2.der'),
    ]);
    const verifier = sm2NoteVerifier(sm2VkeyOf(NAME, point));
    const signature = readFileSync(join(dir, 'sig2.der'));
    expect(verifier.verify(Buffer.from(text), signature)).toBe(true);
    expect(verifier.verify(Buffer.from(text.replace('\n5\n', '\n6\n')), signature)).toBe(false);
  });
});
