import { createPrivateKey, createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ed25519NoteSigner,
  ed25519NoteVerifier,
  isAuditError,
  isValidKeyName,
  NOTE_MAX_BYTES,
  NOTE_MAX_SIGNATURES,
  noteKeyId,
  openNote,
  parseNote,
  serializeNote,
  signNote,
  vkeyOf,
  type AuditErrorCode,
  type NoteVerifier,
} from '../src/index.ts';

// Verbatim examples of c2sp.org/signed-note (testdata/c2sp/README.md says where from).
interface Example {
  id: string;
  vkey: string | null;
  vkeyParts?: { keyName: string; keyIdHex: string; signatureType: number; ed25519PublicKeyHex: string };
  note: string;
  text: string;
  signatures: { keyName: string; keyIdHex: string; ed25519SignatureB64: string }[];
}
const examples = JSON.parse(
  readFileSync(new URL('../../../testdata/c2sp/examples.json', import.meta.url), 'utf8'),
) as { signedNotes: Example[] };
const example = (id: string): Example => examples.signedNotes.find((e) => e.id === id)!;
const vkeyExample = example('signed-note-vkey-example');
const poemExample = example('signed-note-intro-example');

function expectError(code: AuditErrorCode, fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(isAuditError(err, code), String(err)).toBe(true);
    return;
  }
  expect.fail(`expected ${code}`);
}

/** A deterministic Ed25519 key from a 32-byte seed (RFC 8410 PKCS#8). */
function seededKey(seed: number): KeyObject {
  const prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey({
    key: Buffer.concat([prefix, Buffer.alloc(32, seed)]),
    format: 'der',
    type: 'pkcs8',
  });
}

describe('the signed-note examples of the spec', () => {
  it('derives the key ID 530d903a from the example key, and parses its vkey into the same parts', () => {
    const parts = vkeyExample.vkeyParts!;
    const pub = Buffer.from(parts.ed25519PublicKeyHex, 'hex');
    expect(noteKeyId(parts.keyName, parts.signatureType, pub).toString(16)).toBe(parts.keyIdHex);
    const verifier = ed25519NoteVerifier(vkeyExample.vkey!);
    expect(verifier.name).toBe(parts.keyName);
    expect(verifier.keyId).toBe(0x530d903a);
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: pub.toString('base64url') },
      format: 'jwk',
    });
    expect(vkeyOf(parts.keyName, publicKey)).toBe(vkeyExample.vkey);
  });

  it('verifies the example note with its vkey and returns the signed text', () => {
    const opened = openNote(vkeyExample.note, [ed25519NoteVerifier(vkeyExample.vkey!)]);
    expect(opened.text).toBe(vkeyExample.text);
    expect(opened.verifiedBy).toHaveLength(1);
    expect(opened.verifiedBy[0]!.signature.toString('base64')).toBe(
      vkeyExample.signatures[0]!.ed25519SignatureB64,
    );
    expect(
      openNote(Buffer.from(vkeyExample.note, 'utf8'), [ed25519NoteVerifier(vkeyExample.vkey!)]).text,
    ).toBe(vkeyExample.text);
  });

  it('rejects the example note when one character of its text changes', () => {
    const altered = vkeyExample.note.replace('example message', 'example messagE');
    expectError('ERR_AUDIT_VERIFY', () => openNote(altered, [ed25519NoteVerifier(vkeyExample.vkey!)]));
  });

  it('splits the poem at its last empty line and keeps the non-ASCII text', () => {
    const note = parseNote(poemExample.note);
    expect(note.text).toBe(poemExample.text);
    expect(note.text).toContain('\u00e8');
    expect(note.signatures).toHaveLength(1);
    const [sig] = note.signatures;
    const expected = poemExample.signatures[0]!;
    expect(sig!.name).toBe(expected.keyName);
    expect(sig!.keyId.toString(16).padStart(8, '0')).toBe(expected.keyIdHex);
    expect(sig!.signature.toString('base64')).toBe(expected.ed25519SignatureB64);
    expect(serializeNote(note)).toBe(poemExample.note);
  });

  it('refuses the poem under a key that claims its name and key ID but does not verify it', () => {
    const impostor = ed25519NoteVerifier(vkeyOf('quasimodo.example/salvatore', seededKey(7)));
    const claiming: NoteVerifier = {
      name: impostor.name,
      keyId: 0x367ba04b,
      verify: (t, s) => impostor.verify(t, s),
    };
    expectError('ERR_AUDIT_VERIFY', () => openNote(poemExample.note, [claiming]));
    // Without that claim the signature is from an unknown key: ignored, so nothing trusted signed.
    expectError('ERR_AUDIT_VERIFY', () => openNote(poemExample.note, [impostor]));
  });
});

describe('signing and opening notes', () => {
  const signer = ed25519NoteSigner('onegate.example/audit', seededKey(1));
  const verifier = ed25519NoteVerifier(signer.vkey);

  it('signs a note that opens with the published vkey and reads back byte for byte', async () => {
    const note = await signNote('hello\n\nworld\n', [signer]);
    expect(note.startsWith('hello\n\nworld\n\n\u2014 onegate.example/audit ')).toBe(true);
    const opened = openNote(note, [verifier]);
    expect(opened.text).toBe('hello\n\nworld\n');
    expect(serializeNote(parseNote(note))).toBe(note);
  });

  it('can be checked with node:crypto alone, following the spec text and no OneGate code', async () => {
    const note = await signNote('checkable by anyone\n', [signer]);
    const [name, keyIdHex, keyB64] = [
      signer.vkey.slice(0, signer.vkey.indexOf('+')),
      signer.vkey.split('+')[1]!,
      signer.vkey.slice(signer.vkey.indexOf('+', signer.vkey.indexOf('+') + 1) + 1),
    ];
    const key = Buffer.from(keyB64, 'base64');
    expect(key[0]).toBe(1);
    const publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: key.subarray(1).toString('base64url') },
      format: 'jwk',
    });
    const split = note.lastIndexOf('\n\n');
    const line = note.slice(split + 2, -1);
    expect(line.startsWith(`\u2014 ${name} `)).toBe(true);
    const sig = Buffer.from(line.slice(`\u2014 ${name} `.length), 'base64');
    expect(sig.subarray(0, 4).toString('hex')).toBe(keyIdHex);
    expect(verify(null, Buffer.from(note.slice(0, split + 1)), publicKey, sig.subarray(4))).toBe(true);
  });

  it('ignores signatures from unknown keys but keeps them in the parsed note', async () => {
    const other = ed25519NoteSigner('witness.example/w1', seededKey(2));
    const note = await signNote('two signatures\n', [other, signer]);
    const opened = openNote(note, [verifier]);
    expect(opened.signatures.map((s) => s.name)).toEqual(['witness.example/w1', 'onegate.example/audit']);
    expect(opened.verifiedBy.map((s) => s.name)).toEqual(['onegate.example/audit']);
  });

  it('ignores a signature whose name matches a trusted key but whose key ID does not, and the reverse', async () => {
    const sameName = ed25519NoteSigner('onegate.example/audit', seededKey(3));
    const sameId = { ...ed25519NoteSigner('other.example/log', seededKey(1)), keyId: signer.keyId };
    const byName = await signNote('x\n', [sameName]);
    expectError('ERR_AUDIT_VERIFY', () => openNote(byName, [verifier]));
    const both = parseNote(await signNote('x\n', [sameId]));
    expect(both.signatures[0]!.keyId).toBe(signer.keyId);
    expectError('ERR_AUDIT_VERIFY', () => openNote(serializeNote(both), [verifier]));
  });

  it('rejects a note signed by another key under the trusted name and key ID', async () => {
    const forger = ed25519NoteSigner('onegate.example/audit', seededKey(4));
    const forged = await signNote('forged\n', [
      { name: signer.name, keyId: signer.keyId, sign: (t) => forger.sign(t) },
    ]);
    expectError('ERR_AUDIT_VERIFY', () => openNote(forged, [verifier]));
  });

  it('rejects the whole note when one trusted signature fails, even if another verifies', async () => {
    const second = ed25519NoteSigner('onegate.example/audit-2', seededKey(5));
    const good = parseNote(await signNote('text\n', [signer, second]));
    const bad = Buffer.from(good.signatures[1]!.signature);
    bad[0]! ^= 1;
    const tampered = serializeNote({
      text: good.text,
      signatures: [good.signatures[0]!, { ...good.signatures[1]!, signature: bad }],
    });
    expect(openNote(tampered, [verifier]).verifiedBy).toHaveLength(1);
    expectError('ERR_AUDIT_VERIFY', () => openNote(tampered, [verifier, ed25519NoteVerifier(second.vkey)]));
  });

  it('rejects altered text, and trusts nothing with no trusted keys', async () => {
    const note = await signNote('amount 10\n', [signer]);
    expectError('ERR_AUDIT_VERIFY', () => openNote(note.replace('10', '11'), [verifier]));
    expectError('ERR_AUDIT_VERIFY', () => openNote(note, []));
  });

  it('refuses a note that repeats a trusted signature, and a trust list with two keys of one identity', async () => {
    const note = parseNote(await signNote('once\n', [signer]));
    const twice = serializeNote({ text: note.text, signatures: [note.signatures[0]!, note.signatures[0]!] });
    expectError('ERR_AUDIT_INVALID', () => openNote(twice, [verifier]));
    expectError('ERR_AUDIT_INVALID', () => openNote(serializeNote(note), [verifier, verifier]));
  });

  it('refuses to sign a text that is not a note text', async () => {
    for (const text of ['no newline', '', 'tab\there\n', 'cr\r\n', 'lone \ud800\n']) {
      await expect(signNote(text, [signer])).rejects.toMatchObject({ code: 'ERR_AUDIT_INVALID' });
    }
  });
});

describe('when the note is malformed', () => {
  const sig = `\u2014 k ${Buffer.concat([Buffer.from('01020304', 'hex'), Buffer.alloc(64, 9)]).toString('base64')}\n`;
  const cases: [string, string | Uint8Array][] = [
    ['it does not end in a newline', `text\n\n${sig.slice(0, -1)}`],
    ['it has no empty line', `text\n${sig}`],
    ['it has no signature line', 'text\n\n'],
    ['an empty line follows the signatures', `text\n\n${sig}\n`],
    ['the text has a carriage return', `te\rxt\n\n${sig}`],
    ['the text has a tab', `te\txt\n\n${sig}`],
    ['the text has a NUL', `te\u0000xt\n\n${sig}`],
    ['the text has an escape character', `te\u001bxt\n\n${sig}`],
    ['it is not UTF-8', Buffer.concat([Buffer.from('te'), Buffer.from([0xff]), Buffer.from(`xt\n\n${sig}`)])],
    ['it is overlong UTF-8', Buffer.concat([Buffer.from([0xc0, 0xaf]), Buffer.from(`\n\n${sig}`)])],
    ['it has a lone surrogate', `te\ud800xt\n\n${sig}`],
    ['a signature line lacks the em dash', `text\n\n- k AQIDBAk=\n`],
    ['a signature line lacks the space after the dash', `text\n\n\u2014k AQIDBAk=\n`],
    ['a signature line has no signature', `text\n\n\u2014 k\n`],
    ['a signature line has an empty key name', `text\n\n\u2014  AQIDBAk=\n`],
    ['a key name has a plus', `text\n\n\u2014 a+b AQIDBAk=\n`],
    ['a key name has a no-break space', `text\n\n\u2014 a\u00a0b AQIDBAk=\n`],
    ['a key name has an ideographic space', `text\n\n\u2014 a\u3000b AQIDBAk=\n`],
    ['a signature is not base64', `text\n\n\u2014 k AQID*Ak=\n`],
    ['a signature is unpadded', `text\n\n\u2014 k AQIDBAk\n`],
    ['a signature is URL-safe base64', `text\n\n\u2014 k AQIDBA-_\n`],
    ['a signature has non-zero trailing bits', `text\n\n\u2014 k AQIDBAl=\n`],
    ['a signature line has a trailing space', `text\n\n\u2014 k AQIDBAk= \n`],
    ['a signature is only a key ID', `text\n\n\u2014 k AQIDBA==\n`],
    ['it has too many signatures', `text\n\n${sig.repeat(NOTE_MAX_SIGNATURES + 1)}`],
    ['it is too large', `${'a'.repeat(NOTE_MAX_BYTES)}\n\n${sig}`],
    ['it is too large in UTF-8 bytes', `${'\u00e9'.repeat(NOTE_MAX_BYTES / 2)}\n\n${sig}`],
  ];
  it.each(cases)('refuses it when %s', (_label, note) => {
    expectError('ERR_AUDIT_INVALID', () => parseNote(note));
    expectError('ERR_AUDIT_INVALID', () => openNote(note, [ed25519NoteVerifier(vkeyExample.vkey!)]));
  });

  it(`accepts ${NOTE_MAX_SIGNATURES} signatures (the spec asks for at least 16), and a minimal signature`, () => {
    expect(parseNote(`text\n\n${sig.repeat(NOTE_MAX_SIGNATURES)}`).signatures).toHaveLength(
      NOTE_MAX_SIGNATURES,
    );
    expect(parseNote('text\n\n\u2014 k AQIDBAk=\n').signatures[0]).toMatchObject({
      name: 'k',
      keyId: 0x01020304,
    });
  });

  it('refuses to serialize what it would not parse', () => {
    const signature = { name: 'k', keyId: 1, signature: Buffer.alloc(64) };
    expectError('ERR_AUDIT_INVALID', () => serializeNote({ text: 'x\n', signatures: [] }));
    expectError('ERR_AUDIT_INVALID', () =>
      serializeNote({ text: 'x\n', signatures: [{ ...signature, name: 'a b' }] }),
    );
    expectError('ERR_AUDIT_INVALID', () =>
      serializeNote({ text: 'x\n', signatures: [{ ...signature, keyId: 2 ** 32 }] }),
    );
    expectError('ERR_AUDIT_INVALID', () => serializeNote({ text: 'x', signatures: [signature] }));
  });
});

describe('key names and vkeys', () => {
  it('accepts names as the spec allows and refuses the rest', () => {
    expect(
      ['example.com/foo', 'a', 'quasimodo.example/salvatore', '\u00e9/\u20ac'].every(isValidKeyName),
    ).toBe(true);
    expect(
      ['', 'a+b', 'a b', 'a\tb', 'a\u2003b', 'a\u0085b', 'a\u0001b', '\ud800'].some(isValidKeyName),
    ).toBe(false);
  });

  it('parses a vkey whose base64 key contains "+", splitting at the first two "+" only', () => {
    let found: string | undefined;
    for (let seed = 0; seed < 64 && found === undefined; seed++) {
      const vkey = vkeyOf('log.example/plus', seededKey(seed));
      if (vkey.split('+').length > 3) found = vkey;
    }
    expect(found).toBeDefined();
    expect(ed25519NoteVerifier(found!).name).toBe('log.example/plus');
  });

  it('gives a signer the key ID of its vkey', () => {
    const signer = ed25519NoteSigner('log.example', seededKey(9));
    expect(signer.vkey).toBe(vkeyOf('log.example', createPublicKey(seededKey(9))));
    expect(signer.vkey.split('+')[1]).toBe(signer.keyId.toString(16).padStart(8, '0'));
  });

  const good = vkeyExample.vkey!;
  const examplePub = Buffer.from(vkeyExample.vkeyParts!.ed25519PublicKeyHex, 'hex');
  const otherType = `example.com/foo+${noteKeyId('example.com/foo', 1, examplePub).toString(16).padStart(8, '0')}+${Buffer.concat([Buffer.from([2]), examplePub]).toString('base64')}`;
  it.each([
    ['it has no "+"', 'example.com/foo'],
    ['it has one "+"', 'example.com/foo+530d903a'],
    ['its key ID is upper case', good.replace('530d903a', '530D903A')],
    ['its key ID is short', good.replace('530d903a', '530d903')],
    ['its key ID does not match the key', good.replace('530d903a', '530d903b')],
    ['its name does not match the key ID', good.replace('example.com/foo', 'example.com/bar')],
    ['its name has a space', good.replace('example.com/foo', 'example.com foo')],
    ['its key is not base64', `${good.slice(0, -1)}*`],
    ['its key is of another type (0x02)', otherType],
    ['its key is too short', good.slice(0, -4)],
    ['its name is empty', good.replace('example.com/foo', '')],
  ])('refuses a vkey when %s', (_label, vkey) => {
    expectError('ERR_AUDIT_INVALID', () => ed25519NoteVerifier(vkey));
  });

  it('refuses a signer key that is not an Ed25519 private key, and an invalid name', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expectError('ERR_AUDIT_INVALID', () => ed25519NoteSigner('log.example', privateKey));
    expectError('ERR_AUDIT_INVALID', () => ed25519NoteSigner('log.example', createPublicKey(seededKey(1))));
    expectError('ERR_AUDIT_INVALID', () => ed25519NoteSigner('log example', seededKey(1)));
    expectError('ERR_AUDIT_INVALID', () => vkeyOf('log.example', publicKey));
  });
});
