import { leafHash, nodeHash, type NodeKey, type NodeReader } from '../src/index.ts';

/** Every complete aligned subtree of a list of leaves, as the log stores them: `"level/index"` → hash. */
export function storedNodes(leaves: readonly Uint8Array[]): Map<string, Buffer> {
  const nodes = new Map<string, Buffer>();
  let row = leaves.map((leaf) => leafHash(leaf));
  for (let level = 0; row.length > 0; level++) {
    row.forEach((hash, index) => nodes.set(`${level}/${index}`, hash));
    const parents: Buffer[] = [];
    for (let i = 0; i + 1 < row.length; i += 2)
      parents.push(nodeHash(row[i] as Buffer, row[i + 1] as Buffer));
    row = parents;
  }
  return nodes;
}

/**
 * A reader over `nodes` as a log of `size` leaves would answer: a node that is not complete at that
 * size does not exist yet, and asking for it fails the test. Each call's keys are recorded.
 */
export function memoryReader(
  nodes: ReadonlyMap<string, Buffer>,
  size: number,
): { read: NodeReader; calls: NodeKey[][] } {
  const calls: NodeKey[][] = [];
  const read: NodeReader = async (keys) => {
    calls.push([...keys]);
    return keys.map(({ level, index }) => {
      const hash = nodes.get(`${level}/${index}`);
      if (hash === undefined || (index + 1) * 2 ** level > size) {
        throw new Error(`node ${level}/${index} is not complete at size ${size}`);
      }
      return hash;
    });
  };
  return { read, calls };
}

/** A copy of `bytes` with one bit of byte `at` flipped. */
export function flipped(bytes: Uint8Array, at = 0): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = (copy[at] as number) ^ 0x01;
  return copy;
}

/** A small seeded PRNG (mulberry32), so a failing random case can be run again. */
export function seededRandom(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * below);
  };
}
