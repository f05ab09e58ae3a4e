/**
 * CI: a CycloneDX SBOM of the production dependencies (ASVS 15.1.2), made by
 * OWASP's cdxgen from pnpm-lock.yaml (dev dependencies left out), then read
 * back: it must be CycloneDX JSON whose every component names its package
 * (purl) and the hash the lockfile pinned.
 *
 *   node test/ci/sbom.ts [output file, default sbom.cdx.json]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

interface Component {
  name?: string;
  version?: string;
  purl?: string;
  hashes?: { alg: string; content: string }[];
}

interface Bom {
  bomFormat?: string;
  specVersion?: string;
  components?: Component[];
}

/** What is wrong with a generated SBOM; empty when it is usable. */
export function checkSbom(bom: Bom): string[] {
  const problems: string[] = [];
  if (bom.bomFormat !== 'CycloneDX') problems.push('bomFormat is not CycloneDX');
  const components = bom.components ?? [];
  if (components.length === 0) problems.push('no components: the lockfile was not read');
  for (const c of components) {
    const name = c.purl ?? `${c.name ?? '?'}@${c.version ?? '?'}`;
    if (!c.purl?.startsWith('pkg:npm/')) problems.push(`${name}: no npm package URL`);
    if (!c.hashes?.some((h) => h.alg === 'SHA-512' || h.alg === 'SHA-384')) {
      problems.push(`${name}: no SHA-512 hash`);
    }
  }
  return problems;
}

function main(output: string): number {
  const run = spawnSync(
    'cdxgen',
    // js: read pnpm-lock.yaml; --required-only: production dependencies; nothing installed, no
    // source analysis (babel), no network (licences come from the installed package.json files).
    [
      '-t',
      'js',
      '--required-only',
      '--no-install-deps',
      '--no-babel',
      '--spec-version',
      '1.6',
      '-o',
      output,
      '.',
    ],
    { encoding: 'utf8', timeout: 300_000, env: { ...process.env, FETCH_LICENSE: 'false' } },
  );
  if (run.status !== 0) {
    console.error(`sbom: cdxgen failed (${run.error ? String(run.error) : `exit ${run.status}`}):`);
    console.error(`${run.stdout ?? ''}${run.stderr ?? ''}`.trim());
    return 1;
  }
  const bom = JSON.parse(readFileSync(output, 'utf8')) as Bom;
  const problems = checkSbom(bom);
  if (problems.length > 0) {
    console.error(`sbom: ${output} is not usable:`);
    for (const p of problems.slice(0, 20)) console.error(`  ${p}`);
    return 1;
  }
  console.log(
    `sbom: ${output}, CycloneDX ${bom.specVersion ?? '?'}, ${bom.components!.length} production components, each with its purl and SHA-512`,
  );
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv[2] ?? 'sbom.cdx.json');
