/**
 * CI: every package in pnpm-lock.yaml comes from the npm registry and is pinned
 * by a strong integrity hash (ASVS 15.1.2: components from trusted repositories).
 * Refused: a resolution without `integrity` (git, directory, or a tarball pnpm
 * could not hash), a SHA-1 integrity, a tarball from another host, and an
 * `.npmrc` of this repository that points pnpm at another registry.
 *
 *   node test/ci/lockfile-sources.ts [repository root]
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const TRUSTED_REGISTRY = 'https://registry.npmjs.org/';

export interface LockfileReport {
  packages: number;
  problems: string[];
}

/**
 * Reads pnpm's lockfile (version 9) line by line: pnpm writes each
 * `resolution` as one flow mapping under its package key.
 */
export function checkLockfile(text: string): LockfileReport {
  const problems: string[] = [];
  let packages = 0;
  let current = '(top)';
  for (const line of text.split('\n')) {
    const key = /^ {2}(\S.*):$/.exec(line);
    if (key) current = key[1]!.replace(/^'|'$/g, '');
    const at = line.indexOf('resolution:');
    if (at === -1 || !/^\s+resolution:/.test(line)) continue;
    packages++;
    const value = line.slice(at + 'resolution:'.length).trim();
    if (!value.startsWith('{') || !value.endsWith('}')) {
      problems.push(`${current}: resolution is not in the form pnpm writes: ${value}`);
      continue;
    }
    const integrity = /(?:^|[{,\s])integrity:\s*([^,}\s]+)/.exec(value)?.[1];
    if (!integrity) {
      problems.push(`${current}: no integrity hash (${value})`);
    } else if (!/^sha(512|384)-[A-Za-z0-9+/]+=*$/.test(integrity)) {
      problems.push(`${current}: integrity is not SHA-512 or SHA-384 (${integrity.split('-')[0]!})`);
    }
    const tarball = /(?:^|[{,\s])tarball:\s*([^,}\s]+)/.exec(value)?.[1];
    if (tarball && !tarball.startsWith(TRUSTED_REGISTRY)) {
      problems.push(`${current}: tarball from outside ${TRUSTED_REGISTRY}: ${tarball}`);
    }
  }
  if (packages === 0) problems.push('no package resolutions found: is this a pnpm lockfile?');
  return { packages, problems };
}

/** `registry=` and `@scope:registry=` lines of an .npmrc that name another registry. */
export function checkNpmrc(text: string, where: string): string[] {
  const problems: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const setting = /^(@[^:=\s]+:)?registry\s*=\s*(\S+)/.exec(line);
    if (!setting) continue;
    const url = setting[2]!.endsWith('/') ? setting[2]! : `${setting[2]!}/`;
    if (url !== TRUSTED_REGISTRY) problems.push(`${where}: ${line}`);
  }
  return problems;
}

function npmrcFiles(root: string): string[] {
  const folders = [root];
  for (const group of ['packages', 'test', 'demo']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    folders.push(dir);
    if (group === 'packages') for (const name of readdirSync(dir)) folders.push(join(dir, name));
  }
  return folders.map((f) => join(f, '.npmrc')).filter((f) => existsSync(f));
}

function main(root: string): number {
  const report = checkLockfile(readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8'));
  const problems = [...report.problems];
  for (const file of npmrcFiles(root)) problems.push(...checkNpmrc(readFileSync(file, 'utf8'), file));
  if (problems.length > 0) {
    console.error(`lockfile: ${problems.length} problem(s) in ${report.packages} resolutions:`);
    for (const p of problems) console.error(`  ${p}`);
    return 1;
  }
  console.log(
    `lockfile: ${report.packages} packages, every one from ${TRUSTED_REGISTRY} with a SHA-512/384 integrity hash`,
  );
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv[2] ?? process.cwd());
