/** The leaves a crash-test producer appends under `tag`, so the parent can check each acknowledged one. */
export function batchLeaves(tag: string, count: number): Buffer[] {
  return Array.from({ length: count }, (_, j) => Buffer.from(`${tag}:${j}`));
}
