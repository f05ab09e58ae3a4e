import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  inclusionProof,
  isAuditError,
  rootAt,
  verifyConsistency,
  verifyInclusion,
} from '../src/index.ts';
import { memoryReader, storedNodes } from './merkle-stored-nodes.ts';

/*
 * Known-answer probes of transparency-dev/merkle (testdata/merkle, see its README.md): every file,
 * each to be rejected exactly when its `wantErr` says so. Sizes stay JSON numbers: the 2^64−1 index
 * parses to an unsafe integer, which the verifier refuses like any index past the tree.
 */
const MERKLE = fileURLToPath(new URL('../../../testdata/merkle/', import.meta.url));

interface Probe {
  file: string;
  wantErr: boolean;
  proof: Buffer[];
}
interface InclusionProbe extends Probe {
  leafIdx: number;
  treeSize: number;
  leafHash: Buffer;
  root: Buffer;
}
interface ConsistencyProbe extends Probe {
  size1: number;
  size2: number;
  root1: Buffer;
  root2: Buffer;
}

function probes(kind: 'inclusion' | 'consistency'): Record<string, unknown>[] {
  const folder = join(MERKLE, kind);
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const json = JSON.parse(readFileSync(join(folder, file), 'utf8')) as Record<string, unknown>;
      const decoded: Record<string, unknown> = { file };
      for (const [field, value] of Object.entries(json)) {
        if (field === 'proof')
          decoded[field] = ((value ?? []) as string[]).map((h) => Buffer.from(h, 'base64'));
        else if (typeof value === 'string' && field !== 'desc') decoded[field] = Buffer.from(value, 'base64');
        else decoded[field] = value;
      }
      return decoded;
    });
}

const inclusion = probes('inclusion') as unknown as InclusionProbe[];
const consistency = probes('consistency') as unknown as ConsistencyProbe[];

/** `'verified'`, or the AuditError code it failed with. */
function outcome(verify: () => void): string {
  try {
    verify();
    return 'verified';
  } catch (err) {
    if (isAuditError(err)) return err.code;
    throw err;
  }
}

describe('the transparency-dev/merkle inclusion probes', () => {
  it('are all there: 98 files, 6 of them to verify', () => {
    expect(inclusion).toHaveLength(98);
    expect(inclusion.filter((p) => !p.wantErr)).toHaveLength(6);
  });

  it.each(inclusion)('$file', (p) => {
    const verdict = outcome(() => verifyInclusion(p.leafHash, p.leafIdx, p.treeSize, p.proof, p.root));
    expect(verdict).toBe(p.wantErr ? 'ERR_AUDIT_VERIFY' : 'verified');
  });
});

describe('the transparency-dev/merkle consistency probes', () => {
  it('are all there: 98 files, 6 of them to verify', () => {
    expect(consistency).toHaveLength(98);
    expect(consistency.filter((p) => !p.wantErr)).toHaveLength(6);
  });

  it.each(consistency)('$file', (p) => {
    const verdict = outcome(() => verifyConsistency(p.size1, p.size2, p.proof, p.root1, p.root2));
    expect(verdict).toBe(p.wantErr ? 'ERR_AUDIT_VERIFY' : 'verified');
  });
});

describe('the happy paths over the RFC 6962 reference tree', () => {
  // The 8 leaves of the reference tree (README.md of the vectors).
  const leaves = [
    '',
    '00',
    '10',
    '2021',
    '3031',
    '40414243',
    '5051525354555657',
    '606162636465666768696a6b6c6d6e6f',
  ];
  const nodes = storedNodes(leaves.map((hex) => Buffer.from(hex, 'hex')));
  const happy = (probe: Probe) => /^\d\/happy-path\.json$/.test(probe.file);

  it.each(inclusion.filter(happy))('are what the stored-node planner builds: inclusion $file', async (p) => {
    const { read } = memoryReader(nodes, p.treeSize);
    expect(await inclusionProof(p.leafIdx, p.treeSize, read)).toEqual(p.proof);
    expect(await rootAt(p.treeSize, read)).toEqual(p.root);
  });

  it.each(consistency.filter(happy))(
    'are what the stored-node planner builds: consistency $file',
    async (p) => {
      const { read } = memoryReader(nodes, p.size2);
      expect(await consistencyProof(p.size1, p.size2, read)).toEqual(p.proof);
      expect(await rootAt(p.size1, read)).toEqual(p.root1);
      expect(await rootAt(p.size2, read)).toEqual(p.root2);
    },
  );
});
