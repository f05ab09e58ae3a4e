import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import { createTestDatabase, type TestDatabase } from '@onegate/store/testing';
import {
  auditMigrations,
  AuditService,
  CheckpointKeys,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  MerkleLog,
  openNote,
  parseNote,
  signNote,
  witnessFor,
  type KeySealer,
  type Witness,
} from '../src/index.ts';

const ORIGIN = 'witness.test/audit';
const sealer: KeySealer = {
  seal: async (plaintext) => plaintext.toString('base64'),
  open: async (sealed) => Buffer.from(sealed, 'base64'),
};

describe('witnesses', () => {
  let db: TestDatabase;
  let store: Store;
  let server: Server;
  let witnessUrl: string;
  let witnessUp = true;
  let cosignRequests = 0;
  // An independent witness with its own key, cosigning over HTTP.
  const witnessKey = ed25519NoteSigner('witness.example/w1', generateKeyPairSync('ed25519').privateKey);

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    store = await db.open();
    await store.migrate(auditMigrations);
    server = createServer((req, res) => {
      if (req.url === '/moved') {
        res.writeHead(307, { location: '/add-checkpoint' }).end();
        return;
      }
      if (req.url === '/empty') {
        res.writeHead(200).end();
        return;
      }
      cosignRequests++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (!witnessUp) {
          res.writeHead(503).end();
          return;
        }
        const note = Buffer.concat(chunks).toString('utf8');
        void signNote(parseNote(note).text, [witnessKey]).then((cosigned) => {
          // Answer with the signature lines only, as tlog-witness does.
          res
            .writeHead(200, { 'content-type': 'text/plain' })
            .end(cosigned.slice(cosigned.indexOf('\n\n') + 2));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    witnessUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/add-checkpoint`;
  });
  afterAll(async () => {
    server?.close();
    await db?.drop();
  });

  function service(witnesses: Witness[], errors?: unknown[]): AuditService {
    return new AuditService({
      store,
      log: new MerkleLog(store),
      keys: new CheckpointKeys(store, sealer, ORIGIN),
      origin: ORIGIN,
      witnesses,
      checkpointIntervalMs: 0,
      pruneIntervalMs: 0,
      ...(errors ? { onError: (err: unknown) => errors.push(err) } : {}),
    });
  }

  const append = (audit: AuditService, action: string) =>
    audit.append([{ actor: { type: 'app', id: 'test' }, action, outcome: 'success' }], { clientId: 't' });

  it('adds an HTTP witness’s cosignature and hands each checkpoint to a file witness', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'onegate-witness-')), 'checkpoints.txt');
    const audit = service([witnessFor(witnessUrl), witnessFor(`file://${file}`)]);
    await audit.start();
    await append(audit, 'one');
    const note = await audit.checkpoint();
    const ours = ed25519NoteVerifier(await audit.vkey());
    const theirs = ed25519NoteVerifier(witnessKey.vkey);
    expect(openNote(note, [ours, theirs]).verifiedBy).toHaveLength(2);
    expect(readFileSync(file, 'utf8')).toContain(parseNote(note).text);
    expect(audit.witnessStatus).toMatchObject({ ok: true });
    await audit.close();
  });

  it('follows no redirect from a witness, and counts an answer without a cosignature as a failure', async () => {
    for (const path of ['/moved', '/empty']) {
      const errors: unknown[] = [];
      const audit = service([witnessFor(new URL(path, witnessUrl).toString())], errors);
      await audit.start();
      await append(audit, `via${path.replace('/', '-')}`);
      const before = cosignRequests;
      const note = await audit.checkpoint();
      expect(openNote(note, [ed25519NoteVerifier(await audit.vkey())]).verifiedBy, path).toHaveLength(1);
      expect(cosignRequests, path).toBe(before);
      expect(audit.witnessStatus, path).toMatchObject({ ok: false });
      expect(errors, path).toHaveLength(1);
      await audit.close();
    }
  });

  it('still publishes its own signed checkpoint when the witness is down, and says so', async () => {
    witnessUp = false;
    const errors: unknown[] = [];
    const audit = service([witnessFor(witnessUrl)], errors);
    await audit.start();
    await append(audit, 'two');
    const note = await audit.checkpoint();
    expect(openNote(note, [ed25519NoteVerifier(await audit.vkey())]).verifiedBy).toHaveLength(1);
    expect(audit.witnessStatus).toMatchObject({ ok: false });
    expect(errors).toHaveLength(1);
    witnessUp = true;
    await audit.close();
  });
});
