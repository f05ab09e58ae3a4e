import type { Command } from 'commander';
import { ACCESS_TOKEN_TTL_SECONDS, SIGNING_ALGS, type SigningAlg } from '@onegate/identity';
import {
  EXIT_CODES_HELP,
  isoDate,
  printJson,
  printLines,
  refuse,
  table,
  usageErrorsExit2,
  withIdentity,
} from '../context.ts';

/**
 * How long a demoted key stays published. What it signed (ID tokens, JWT
 * access tokens, logout tokens) lives at most ACCESS_TOKEN_TTL_SECONDS
 * (10 minutes); an hour leaves a wide margin for clock skew and caches.
 */
const DEFAULT_VERIFY_FOR_SECONDS = 3600;

export function registerKeys(program: Command): void {
  const group = usageErrorsExit2(
    program
      .command('keys')
      .description('list and rotate the keys that sign ID tokens, access tokens and logout tokens'),
  );

  group
    .command('list')
    .description('list signing keys: next (published, not signing), current, previous, retired')
    .option('--json', 'print the keys as JSON')
    .action((options: { json?: boolean }) =>
      withIdentity(async ({ services }) => {
        const keys = await services.keys.list();
        if (options.json) return printJson(keys);
        if (keys.length === 0) return printLines(['no signing keys: run `onegate init`']);
        printLines(
          table([
            ['KID', 'ALG', 'STATE', 'CREATED', 'SIGNING SINCE', 'VERIFIABLE UNTIL', 'RETIRED'],
            ...keys.map((k) => [
              k.kid,
              k.alg,
              k.state,
              isoDate(k.createdAt),
              isoDate(k.promotedAt),
              isoDate(k.retireAfter),
              isoDate(k.retiredAt),
            ]),
          ]),
        );
      }),
    );

  group
    .command('rotate')
    .description(
      'one step of a two-step rotation: first publish a next key, then (once relying parties have it) sign with it',
    )
    .option('--alg <alg>', `the algorithm to rotate: ${SIGNING_ALGS.join(', ')}`, 'ES256')
    .option(
      '--verify-for <seconds>',
      `when promoting: how long the old key stays published to verify what it signed (tokens live ${ACCESS_TOKEN_TTL_SECONDS} s)`,
      String(DEFAULT_VERIFY_FOR_SECONDS),
    )
    .option('--json', 'print the result as JSON')
    .action((options: { alg: string; verifyFor: string; json?: boolean }) => {
      const alg = parseAlg(options.alg);
      const verifyForSeconds = parseSeconds(options.verifyFor);
      return withIdentity(async ({ services }) => {
        const result = await services.keys.rotate({ alg, verifyFor: verifyForSeconds * 1000 });
        const again = alg === 'ES256' ? 'onegate keys rotate' : `onegate keys rotate --alg ${alg}`;
        if (result.step === 'published') {
          if (options.json) return printJson({ alg, ...result });
          return printLines([
            `published next ${alg} key ${result.kid}; it does not sign yet.`,
            `Run \`${again}\` again after clients have refreshed their JWKS cache (e.g. in 1 hour) to start signing with it.`,
          ]);
        }
        const previous = (await services.keys.list()).find((k) => k.kid === result.previousKid);
        if (options.json) return printJson({ alg, ...result, retireAfter: previous?.retireAfter });
        printLines([
          `promoted ${alg} key ${result.kid}: it signs from now on.`,
          `The previous key ${result.previousKid} stays published for verification until ${isoDate(previous?.retireAfter)};`,
          'the server retires it after that (or run `onegate keys retire`).',
        ]);
      });
    });

  group
    .command('retire')
    .description('retire previous keys whose verification period is over, deleting their private parts')
    .option('--json', 'print the result as JSON')
    .action((options: { json?: boolean }) =>
      withIdentity(async ({ services }) => {
        const retired = await services.keys.retireExpired();
        if (options.json) return printJson({ retired });
        printLines([retired.length > 0 ? `retired ${retired.join(', ')}` : 'no key is due for retirement']);
      }),
    );

  for (const command of group.commands) command.addHelpText('after', EXIT_CODES_HELP);
}

function parseAlg(value: string): SigningAlg {
  const alg = SIGNING_ALGS.find((a) => a === value);
  if (!alg) refuse(`--alg must be one of ${SIGNING_ALGS.join(', ')}`);
  return alg;
}

function parseSeconds(value: string): number {
  const seconds = /^\d{1,9}$/.test(value) ? Number(value) : 0;
  if (seconds < 1) refuse('--verify-for takes a positive whole number of seconds');
  return seconds;
}
