import type { Command } from 'commander';
import {
  EXIT_CODES_HELP,
  printJson,
  printLines,
  refuse,
  usageErrorsExit2,
  withIdentity,
} from '../context.ts';

/**
 * `onegate totp …` and `onegate recovery-codes …`: second factors set up by an
 * operator (e.g. for staff at enrolment); citizens will do it themselves on
 * the account page.
 */
export function registerSecondFactor(program: Command): void {
  const totp = usageErrorsExit2(
    program.command('totp').description("set up or remove an account's authenticator app (TOTP, RFC 6238)"),
  );

  totp
    .command('enroll')
    .description('start enrolment: prints the secret and an otpauth:// URI to put in the authenticator app')
    .argument('<account>', 'account id, username, phone number or e-mail address')
    .option('--json', 'print JSON')
    .action((reference: string, options: { json?: boolean }) =>
      withIdentity(async ({ services, config }) => {
        const account = await services.accounts.lookup(reference);
        const started = await services.totp.begin(account.id, {
          account: account.username,
          issuer: `OneGate ${new URL(config.issuer).hostname}`,
        });
        if (options.json) {
          printJson({ secret: started.secretBase32, otpauth_uri: started.otpauthUri });
          return;
        }
        printLines([
          `secret:      ${started.secretBase32}`,
          `otpauth URI: ${started.otpauthUri}`,
          `Then confirm with a code from the app: onegate totp activate ${account.username} <code>`,
        ]);
      }),
    );

  totp
    .command('activate')
    .description('finish enrolment with the first code the authenticator app shows')
    .argument('<account>', 'account id, username, phone number or e-mail address')
    .argument('<code>', 'the 6-digit code')
    .action((reference: string, code: string) =>
      withIdentity(async ({ services }) => {
        const account = await services.accounts.lookup(reference);
        const result = await services.totp.activate(account.id, code);
        if (!result.ok)
          refuse('that code is not valid now: check the time on the phone and try the next code');
        printLines([`the authenticator app of ${account.username} is active: sign-ins now ask for its code`]);
      }),
    );

  totp
    .command('remove')
    .description(
      "reset a lost second factor: remove the account's authenticator app and recovery codes, once the person proved who they are",
    )
    .argument('<account>', 'account id, username, phone number or e-mail address')
    .requiredOption(
      '--proofing <record>',
      'how the person proved who they are (the counter, the document checked, the ticket); kept in the audit log',
    )
    .option(
      '--in-person',
      'their identity documents were checked in person: a verified_in_person account stays so (else it drops to basic)',
    )
    .action((reference: string, options: { proofing: string; inPerson?: boolean }) =>
      withIdentity(async ({ services }) => {
        const account = await services.accounts.lookup(reference);
        const reset = await services.accounts.resetSecondFactors(account.id, {
          proofing: options.proofing,
          inPerson: options.inPerson === true,
        });
        printLines([
          reset.removed
            ? `removed the authenticator app and recovery codes of ${account.username}`
            : `${account.username} had no authenticator app or recovery codes`,
          ...(reset.identityAssurance !== account.identityAssurance
            ? [`identity assurance is now ${reset.identityAssurance}: verify in person to raise it again`]
            : []),
        ]);
      }),
    );

  const recovery = usageErrorsExit2(
    program.command('recovery-codes').description('one-time codes for when the authenticator app is lost'),
  );
  recovery
    .command('regenerate')
    .description('make 10 new recovery codes (shown once) and invalidate the old ones')
    .argument('<account>', 'account id, username, phone number or e-mail address')
    .option('--json', 'print JSON')
    .action((reference: string, options: { json?: boolean }) =>
      withIdentity(async ({ services }) => {
        const account = await services.accounts.lookup(reference);
        const codes = await services.recoveryCodes.regenerate(account.id);
        if (options.json) printJson({ recovery_codes: codes });
        else printLines([...codes, 'Give these to the account holder now: they are not shown again.']);
      }),
    );

  for (const group of [totp, recovery]) {
    for (const command of group.commands) command.addHelpText('after', EXIT_CODES_HELP);
  }
}
