import type { Command } from 'commander';
import {
  maskEmail,
  maskIdNumber,
  maskPhone,
  type Account,
  type AccountUpdate,
  type DepartmentRole,
} from '@onegate/identity';
import {
  collect,
  EXIT_CODES_HELP,
  fields,
  isoDate,
  printJson,
  printLines,
  refuse,
  table,
  usageErrorsExit2,
  withIdentity,
} from '../context.ts';

interface AddOptions {
  username: string;
  name?: string;
  phone?: string;
  email?: string;
  idNumber?: string;
  department?: string[];
  verifiedInPerson?: boolean;
  passwordStdin?: boolean;
  json?: boolean;
}

interface UpdateOptions {
  name?: string;
  phone?: string;
  email?: string;
  idNumber?: string;
  json?: boolean;
}

const TEMPORARY_NOTE =
  'the password is temporary: it works for 24 hours, and only to choose a new one at the first sign-in';

/** Far above the policy's 128 characters; more is not a password, and is not read into memory. */
const MAX_PASSWORD_BYTES = 4096;
const DEPARTMENT = /^[a-z0-9][a-z0-9-]{0,63}$/;
const ROLE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function registerUser(program: Command): void {
  const group = usageErrorsExit2(
    program
      .command('user')
      .description('create and manage citizen and staff accounts')
      .addHelpText(
        'after',
        `
Passwords are read from standard input only (--password-stdin), never from the
command line, where other users and shell history could see them:
  printf '%s' "$PASSWORD" | onegate user add --username li.wei --password-stdin
A password set here is temporary: it works for 24 hours, and only for the
person to choose their own at their first sign-in.`,
      ),
  );

  group
    .command('add')
    .description('create an account; its temporary password is read from standard input')
    .requiredOption('--username <username>', '3 to 64 of a-z, 0-9, dot, dash or underscore')
    .option('--name <name>', 'full name')
    .option('--phone <phone>', 'mobile number, e.g. 13800138000 or +86 138 0013 8000')
    .option('--email <email>', 'e-mail address')
    .option('--id-number <number>', 'resident identity card number (18 characters)')
    .option('--department <department:role>', 'staff: a department and the role there (repeatable)', collect)
    .option('--verified-in-person', 'identity checked against documents at a counter (allows acr high)')
    .option('--password-stdin', 'read the password from standard input (required)')
    .option('--json', 'print the account as JSON')
    .action(async (options: AddOptions) => {
      const departments = (options.department ?? []).map(parseDepartment);
      const password = await readPassword(options.passwordStdin);
      await withIdentity(async ({ services }) => {
        const account = await services.accounts.create({
          username: options.username,
          password,
          name: options.name,
          phone: options.phone,
          email: options.email,
          idNumber: options.idNumber,
          departments,
          identityAssurance: options.verifiedInPerson ? 'verified_in_person' : 'basic',
          temporaryPassword: true,
        });
        if (options.json) return printJson(account);
        printLines([`created account ${account.username} (${account.id})`, TEMPORARY_NOTE]);
      });
    });

  group
    .command('list')
    .description('list accounts, phone numbers, e-mail addresses and ID numbers masked')
    .option('--json', 'print the accounts as JSON')
    .action((options: { json?: boolean }) =>
      withIdentity(async ({ services }) => {
        const accounts = (await services.accounts.list()).map(masked);
        if (options.json) return printJson(accounts);
        if (accounts.length === 0) return printLines(['no accounts']);
        printLines(
          table([
            ['ID', 'USERNAME', 'NAME', 'PHONE', 'E-MAIL', 'ASSURANCE', 'STATE'],
            ...accounts.map((a) => [
              a.id,
              a.username,
              a.name ?? '-',
              a.phone ?? '-',
              a.email ?? '-',
              a.identityAssurance,
              a.disabled ? 'disabled' : 'enabled',
            ]),
          ]),
        );
      }),
    );

  group
    .command('show')
    .description('show one account')
    .argument('<account>', 'account id, username, phone number, e-mail address or ID number')
    .option('--json', 'print the account as JSON')
    .action((reference: string, options: { json?: boolean }) =>
      withIdentity(async ({ services }) => {
        const account = await services.accounts.lookup(reference);
        if (options.json) return printJson(account);
        printLines(
          fields([
            ['id', account.id],
            ['username', account.username],
            ['name', account.name ?? '-'],
            ['phone', account.phone ?? '-'],
            ['e-mail', account.email ?? '-'],
            ['ID number', account.idNumber ?? '-'],
            ['identity assurance', account.identityAssurance],
            ['departments', account.departments.map((d) => `${d.department}:${d.role}`).join(' ') || '-'],
            ['roles', account.roles.join(' ') || '-'],
            ['state', account.disabled ? 'disabled' : 'enabled'],
            ['created', isoDate(account.createdAt)],
          ]),
        );
      }),
    );

  group
    .command('update')
    .description(
      "change an account's name, phone number, e-mail address or ID number; an empty value removes it",
    )
    .argument('<account>', 'account id, username, phone number, e-mail address or ID number')
    .option('--name <name>', 'full name')
    .option('--phone <phone>', 'mobile number')
    .option('--email <email>', 'e-mail address')
    .option('--id-number <number>', 'resident identity card number (18 characters)')
    .option('--json', 'print the account as JSON')
    .action((reference: string, options: UpdateOptions) => {
      const change: AccountUpdate = {
        name: cleared(options.name),
        phone: cleared(options.phone),
        email: cleared(options.email),
        idNumber: cleared(options.idNumber),
      };
      if (Object.values(change).every((value) => value === undefined)) {
        refuse('give at least one of --name, --phone, --email, --id-number');
      }
      return withIdentity(async ({ services }) => {
        const found = await services.accounts.lookup(reference);
        const account = await services.accounts.update(found.id, change);
        if (options.json) return printJson(account);
        printLines([`updated account ${account.username} (${account.id})`]);
      });
    });

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    group
      .command(name)
      .description(disabled ? 'stop an account from signing in' : 'let a disabled account sign in again')
      .argument('<account>', 'account id, username, phone number, e-mail address or ID number')
      .action((reference: string) =>
        withIdentity(async ({ services }) => {
          const found = await services.accounts.lookup(reference);
          const account = await services.accounts.setDisabled(found.id, disabled);
          printLines([`${disabled ? 'disabled' : 'enabled'} account ${account.username} (${account.id})`]);
        }),
      );
  }

  group
    .command('sign-out')
    .description('end every session of an account; each app is told by back-channel logout')
    .argument('<account>', 'account id, username, phone number, e-mail address or ID number')
    .action((reference: string) =>
      withIdentity(async ({ services }) => {
        const found = await services.accounts.lookup(reference);
        const ended = await services.accounts.signOutEverywhere(found.id);
        printLines([
          `ended ${ended} session${ended === 1 ? '' : 's'} of account ${found.username} (${found.id})`,
        ]);
      }),
    );

  group
    .command('verify')
    .description(
      "record that the person's identity documents were checked in person (verified_in_person, allows acr high)",
    )
    .argument('<account>', 'account id, username, phone number, e-mail address or ID number')
    .requiredOption('--proofing <record>', 'where and how the documents were checked; kept in the audit log')
    .action((reference: string, options: { proofing: string }) =>
      withIdentity(async ({ services }) => {
        const found = await services.accounts.lookup(reference);
        await services.accounts.verifyInPerson(found.id, options.proofing);
        printLines([`${found.username} (${found.id}) is verified_in_person`]);
      }),
    );

  group
    .command('reset-password')
    .description(
      'give an account a temporary password, read from standard input; also lifts a sign-in lockout',
    )
    .argument('<account>', 'account id, username, phone number, e-mail address or ID number')
    .option('--password-stdin', 'read the new password from standard input (required)')
    .action(async (reference: string, options: { passwordStdin?: boolean }) => {
      const password = await readPassword(options.passwordStdin);
      await withIdentity(async ({ services }) => {
        const account = await services.accounts.lookup(reference);
        await services.accounts.resetPassword(account.id, password);
        printLines([`reset the password of ${account.username} (${account.id})`, TEMPORARY_NOTE]);
      });
    });

  for (const command of group.commands) command.addHelpText('after', EXIT_CODES_HELP);
}

/**
 * The password from standard input, without one trailing newline (what
 * `echo` adds). Refused from a terminal, where typing it would echo it.
 */
async function readPassword(passwordStdin: boolean | undefined): Promise<string> {
  if (!passwordStdin) {
    refuse('pass --password-stdin and pipe the password in; passwords are never taken from the command line');
  }
  if (process.stdin.isTTY) {
    refuse('--password-stdin reads from a pipe, e.g. printf \'%s\' "$PASSWORD" | onegate user …');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_PASSWORD_BYTES)
      refuse(`the password on standard input is longer than ${MAX_PASSWORD_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function parseDepartment(value: string): DepartmentRole {
  const colon = value.indexOf(':');
  const department = value.slice(0, colon).trim();
  const role = value.slice(colon + 1).trim();
  if (colon < 0 || !DEPARTMENT.test(department) || !ROLE.test(role)) {
    refuse(
      `--department takes department:role in lower case, e.g. social-security:officer (got ${JSON.stringify(value)})`,
    );
  }
  return { department, role };
}

/** For listings: enough to recognise an account, not to harvest contact details. */
function masked(account: Account): Account {
  return {
    ...account,
    phone: account.phone === undefined ? undefined : maskPhone(account.phone),
    email: account.email === undefined ? undefined : maskEmail(account.email),
    idNumber: account.idNumber === undefined ? undefined : maskIdNumber(account.idNumber),
  };
}

/** An option's value as a change: not given leaves the field, an empty value removes it. */
function cleared(value: string | undefined): string | null | undefined {
  return value === undefined ? undefined : value.trim() === '' ? null : value;
}
