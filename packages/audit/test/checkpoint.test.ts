import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyCheckpoint } from '@sigstore/verify/dist/tlog/checkpoint.js';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addCosignatures,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  emptyRoot,
  fileWitness,
  formatCheckpoint,
  isAuditError,
  leafHash,
  openCheckpoint,
  parseCheckpoint,
  parseNote,
  serializeNote,
  signCheckpoint,
  type AuditErrorCode,
  type Witness,
} from '../src/index.ts';

// The verbatim tlog-checkpoint example (testdata/c2sp/README.md says where from).
interface CheckpointExample {
  note: string;
  text: string;
  parsed: { origin: string; treeSize: number; rootHashHex: string; extensionLines: string[] };
  signatures: { keyName: string; keyIdHex: string; signatureBytesLength: number }[];
}
const sofa = (
  JSON.parse(readFileSync(new URL('../../../testdata/c2sp/examples.json', import.meta.url), 'utf8')) as {
    checkpoints: CheckpointExample[];
  }
).checkpoints[0]!;

async function expectError(code: AuditErrorCode, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (err) {
    expect(isAuditError(err, code), String(err)).toBe(true);
    return;
  }
  expect.fail(`expected ${code}`);
}

function seededKey(seed: number): KeyObject {
  const prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey({
    key: Buffer.concat([prefix, Buffer.alloc(32, seed)]),
    format: 'der',
    type: 'pkcs8',
  });
}

const ORIGIN = 'onegate.example/audit';
const logSigner = ed25519NoteSigner(ORIGIN, seededKey(1));
const logVerifier = ed25519NoteVerifier(logSigner.vkey);
const root = leafHash(Buffer.from('event'));

describe('the tlog-checkpoint example of the spec', () => {
  it('parses the behind-the-sofa checkpoint into origin, size and root', () => {
    const note = parseNote(sofa.note);
    expect(note.text).toBe(sofa.text);
    const checkpoint = parseCheckpoint(note.text);
    expect(checkpoint.origin).toBe(sofa.parsed.origin);
    expect(checkpoint.size).toBe(sofa.parsed.treeSize);
    expect(checkpoint.root.toString('hex')).toBe(sofa.parsed.rootHashHex);
    expect(checkpoint.time).toBeUndefined();
    expect(checkpoint.extensions).toEqual(sofa.parsed.extensionLines);
    const [sig] = note.signatures;
    expect(sig!.name).toBe(sofa.signatures[0]!.keyName);
    expect(sig!.keyId.toString(16).padStart(8, '0')).toBe(sofa.signatures[0]!.keyIdHex);
    expect(sig!.signature).toHaveLength(sofa.signatures[0]!.signatureBytesLength);
  });

  it('formats the same fields into the same text, and the note back byte for byte', () => {
    const { origin, size, root: exampleRoot } = parseCheckpoint(sofa.text);
    expect(formatCheckpoint({ origin, size, root: exampleRoot })).toBe(sofa.text);
    expect(serializeNote(parseNote(sofa.note))).toBe(sofa.note);
  });

  it('is not trusted without its (unpublished) key', async () => {
    await expectError('ERR_AUDIT_VERIFY', () => openCheckpoint(sofa.note, [logVerifier]));
  });
});

describe('signing and opening checkpoints', () => {
  it('round-trips origin, size, root, time and extension lines through a signed note', async () => {
    const body = formatCheckpoint({
      origin: ORIGIN,
      size: 42,
      root,
      time: 1_767_225_600_123,
      extensions: ['x y'],
    });
    expect(body).toBe(`${ORIGIN}\n42\n${root.toString('base64')}\ntimestamp 1767225600123\nx y\n`);
    const note = await signCheckpoint(body, logSigner);
    const opened = openCheckpoint(note, [logVerifier], { origin: ORIGIN });
    expect(opened).toEqual({ origin: ORIGIN, size: 42, root, time: 1_767_225_600_123, extensions: ['x y'] });
  });

  it('signs the empty tree as size 0 with the empty root', async () => {
    const note = await signCheckpoint(
      formatCheckpoint({ origin: ORIGIN, size: 0, root: emptyRoot() }),
      logSigner,
    );
    expect(note.split('\n')[1]).toBe('0');
    expect(openCheckpoint(note, [logVerifier])).toMatchObject({ size: 0, root: emptyRoot() });
  });

  it('takes the largest tree size that is a safe integer', () => {
    const size = Number.MAX_SAFE_INTEGER;
    expect(parseCheckpoint(formatCheckpoint({ origin: ORIGIN, size, root })).size).toBe(size);
  });

  it('rejects a checkpoint whose size or root was changed after signing', async () => {
    const note = await signCheckpoint(formatCheckpoint({ origin: ORIGIN, size: 7, root }), logSigner);
    await expectError('ERR_AUDIT_VERIFY', () =>
      openCheckpoint(note.replace('\n7\n', '\n8\n'), [logVerifier]),
    );
    const otherRoot = leafHash(Buffer.from('other')).toString('base64');
    await expectError('ERR_AUDIT_VERIFY', () =>
      openCheckpoint(note.replace(root.toString('base64'), otherRoot), [logVerifier]),
    );
  });

  it('rejects a checkpoint signed by another key, and one of another log', async () => {
    const stranger = ed25519NoteSigner(ORIGIN, seededKey(2));
    const body = formatCheckpoint({ origin: ORIGIN, size: 1, root });
    await expectError('ERR_AUDIT_VERIFY', async () =>
      openCheckpoint(await signCheckpoint(body, stranger), [logVerifier]),
    );
    const note = await signCheckpoint(body, logSigner);
    await expectError('ERR_AUDIT_VERIFY', () =>
      openCheckpoint(note, [logVerifier], { origin: 'other.example/log' }),
    );
  });

  it('checks the signature before it reads the body', async () => {
    const signer = ed25519NoteSigner('k', seededKey(3));
    const notACheckpoint = serializeNote({
      text: 'k\n01\nAA==\n',
      signatures: [
        {
          name: 'k',
          keyId: signer.keyId,
          signature: Buffer.from(await signer.sign(Buffer.from('k\n01\nAA==\n'))),
        },
      ],
    });
    await expectError('ERR_AUDIT_INVALID', () =>
      openCheckpoint(notACheckpoint, [ed25519NoteVerifier(signer.vkey)]),
    );
    await expectError('ERR_AUDIT_VERIFY', () => openCheckpoint(notACheckpoint, [logVerifier]));
  });

  it('signs only under the origin as key name', async () => {
    const misnamed = ed25519NoteSigner('onegate.example/other', seededKey(1));
    const body = formatCheckpoint({ origin: ORIGIN, size: 1, root });
    await expectError('ERR_AUDIT_INVALID', () => signCheckpoint(body, misnamed));
    await expectError('ERR_AUDIT_INVALID', () => signCheckpoint(body, []));
    await expectError('ERR_AUDIT_INVALID', () => signCheckpoint('not a checkpoint\n', logSigner));
  });
});

describe('an independent verifier (sigstore-js, Rekor checkpoints)', () => {
  it('accepts our signed checkpoint and reads the same origin, size, root and extension line', async () => {
    const body = formatCheckpoint({ origin: ORIGIN, size: 9, root, time: 1_767_225_600_000 });
    const note = await signCheckpoint(body, logSigner);
    // sigstore-js matches the 4-byte key hint against the start of a log ID and the name against its URL.
    const keyHint = Buffer.alloc(32);
    keyHint.writeUInt32BE(logSigner.keyId, 0);
    const tlog = {
      logID: keyHint,
      baseURL: `https://${ORIGIN}`,
      publicKey: createPublicKey(seededKey(1)),
      validFor: { start: new Date(0), end: new Date(8.64e15) },
    };
    const entry = { inclusionProof: { checkpoint: { envelope: note } } } as unknown as Parameters<
      typeof verifyCheckpoint
    >[0];
    const checkpoint = verifyCheckpoint(entry, [tlog]);
    expect(checkpoint.origin).toBe(ORIGIN);
    expect(checkpoint.logSize).toBe(9n);
    expect(checkpoint.logHash.equals(root)).toBe(true);
    expect(checkpoint.rest).toEqual(['timestamp 1767225600000']);
    const altered = {
      inclusionProof: { checkpoint: { envelope: note.replace('\n9\n', '\n10\n') } },
    } as unknown as Parameters<typeof verifyCheckpoint>[0];
    expect(() => verifyCheckpoint(altered, [tlog])).toThrow();
  });
});

describe('the timestamp extension line', () => {
  const base = `${ORIGIN}\n1\n${root.toString('base64')}\n`;

  it('is read only as the first extension line in its exact form', () => {
    expect(parseCheckpoint(`${base}timestamp 0\n`)).toMatchObject({ time: 0, extensions: [] });
    expect(parseCheckpoint(`${base}timestamp 5\nmore\n`)).toMatchObject({ time: 5, extensions: ['more'] });
    for (const ext of [
      'timestamp 01',
      'timestamp -1',
      'timestamp 1.5',
      'timestamp  1',
      'timestamp 99999999999999999',
    ]) {
      const parsed = parseCheckpoint(`${base}${ext}\n`);
      expect(parsed.time, ext).toBeUndefined();
      expect(parsed.extensions).toEqual([ext]);
    }
    expect(parseCheckpoint(`${base}other\ntimestamp 5\n`)).toMatchObject({
      extensions: ['other', 'timestamp 5'],
    });
    expect(parseCheckpoint(`${base}other\ntimestamp 5\n`).time).toBeUndefined();
  });

  it('is written only from the time field', async () => {
    await expectError('ERR_AUDIT_INVALID', () =>
      formatCheckpoint({ origin: ORIGIN, size: 1, root, extensions: ['timestamp 5'] }),
    );
    for (const time of [-1, 1.5, Number.NaN, 2 ** 53]) {
      await expectError('ERR_AUDIT_INVALID', () => formatCheckpoint({ origin: ORIGIN, size: 1, root, time }));
    }
  });
});

describe('when the checkpoint body is malformed', () => {
  const b64 = root.toString('base64');
  it.each([
    ['it has two lines', `${ORIGIN}\n1\n`],
    ['it does not end in a newline', `${ORIGIN}\n1\n${b64}`],
    ['the origin is empty', `\n1\n${b64}\n`],
    ['the size has a leading zero', `${ORIGIN}\n01\n${b64}\n`],
    ['the size is negative', `${ORIGIN}\n-1\n${b64}\n`],
    ['the size has a plus sign', `${ORIGIN}\n+1\n${b64}\n`],
    ['the size is hexadecimal', `${ORIGIN}\n0x10\n${b64}\n`],
    ['the size has a space', `${ORIGIN}\n1 \n${b64}\n`],
    ['the size is past 2^53', `${ORIGIN}\n9007199254740993\n${b64}\n`],
    ['the size has 17 digits', `${ORIGIN}\n10000000000000000\n${b64}\n`],
    ['the root is 31 bytes', `${ORIGIN}\n1\n${root.subarray(1).toString('base64')}\n`],
    ['the root is hex', `${ORIGIN}\n1\n${root.toString('hex')}\n`],
    ['the root is URL-safe base64', `${ORIGIN}\n1\n${root.toString('base64url')}=\n`],
    ['an extension line is empty', `${ORIGIN}\n1\n${b64}\n\nx\n`],
    ['it has a carriage return', `${ORIGIN}\r\n1\n${b64}\n`],
  ])('refuses it when %s', async (_label, text) => {
    await expectError('ERR_AUDIT_INVALID', () => parseCheckpoint(text));
  });

  it('refuses to format fields it cannot write', async () => {
    const bad = [
      { origin: ORIGIN, size: -1, root },
      { origin: ORIGIN, size: 1.5, root },
      { origin: ORIGIN, size: 2 ** 53, root },
      { origin: ORIGIN, size: 1, root: root.subarray(1) },
      { origin: '', size: 1, root },
      { origin: 'a\nb', size: 1, root },
      { origin: 'a\tb', size: 1, root },
      { origin: ORIGIN, size: 1, root, extensions: [''] },
      { origin: ORIGIN, size: 1, root, extensions: ['a\nb'] },
    ];
    for (const fields of bad) await expectError('ERR_AUDIT_INVALID', () => formatCheckpoint(fields));
  });
});

describe('witnesses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onegate-witness-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a file witness appends each checkpoint, one empty line after each, and adds no signature', async () => {
    const path = join(dir, 'checkpoints.txt');
    const witness = fileWitness(path);
    const first = await signCheckpoint(formatCheckpoint({ origin: ORIGIN, size: 1, root }), logSigner);
    const second = await signCheckpoint(formatCheckpoint({ origin: ORIGIN, size: 2, root }), logSigner);
    expect(await addCosignatures(first, [witness])).toBe(first);
    expect(await witness.cosign(second)).toBeUndefined();
    expect(readFileSync(path, 'utf8')).toBe(`${first}\n${second}\n`);
  });

  it('adds the cosignature a witness returns; the log key alone still opens the note', async () => {
    const witnessSigner = ed25519NoteSigner('witness.example/w1', seededKey(5));
    const cosigner: Witness = {
      async cosign(note) {
        const { text, signatures } = parseNote(note);
        const signature = Buffer.from(await witnessSigner.sign(Buffer.from(text)));
        return serializeNote({
          text,
          signatures: [...signatures, { name: witnessSigner.name, keyId: witnessSigner.keyId, signature }],
        });
      },
    };
    const note = await signCheckpoint(formatCheckpoint({ origin: ORIGIN, size: 3, root }), logSigner);
    const cosigned = await addCosignatures(note, [cosigner, cosigner]);
    expect(parseNote(cosigned).signatures.map((s) => s.name)).toEqual([ORIGIN, 'witness.example/w1']);
    expect(openCheckpoint(cosigned, [logVerifier]).size).toBe(3);
    expect(openCheckpoint(cosigned, [ed25519NoteVerifier(witnessSigner.vkey)]).size).toBe(3);
  });

  it('refuses an answer over another text', async () => {
    const liar: Witness = {
      cosign: async () => signCheckpoint(formatCheckpoint({ origin: ORIGIN, size: 4, root }), logSigner),
    };
    const note = await signCheckpoint(formatCheckpoint({ origin: ORIGIN, size: 3, root }), logSigner);
    await expectError('ERR_AUDIT_VERIFY', () => addCosignatures(note, [liar]));
  });
});
