import type { Command } from 'commander';
import type { ClientInfo, ClientInput, CreatedClient } from '@onegate/identity';
import {
  collect,
  EXIT_CODES_HELP,
  fields,
  isoDate,
  printJson,
  printLines,
  table,
  usageErrorsExit2,
  withIdentity,
  yesNo,
} from '../context.ts';

interface RegistrationOptions {
  name?: string;
  redirectUri?: string[];
  postLogoutRedirectUri?: string[];
  backchannelLogoutUri?: string;
  public?: boolean;
  scopes?: string;
  department?: string;
  firstParty?: boolean;
  publicSubject?: boolean;
  legacyRs256?: boolean;
  json?: boolean;
}

export function registerClient(program: Command): void {
  const group = usageErrorsExit2(
    program
      .command('client')
      .description('register and manage the apps and services that use OneGate')
      .addHelpText(
        'after',
        `
An app (sign-in with the code flow) has at least one redirect URI; a service
(client credentials for /api/v1) has none and only platform scopes, such as
--scopes "audit:write authz:check".`,
      ),
  );

  registrationOptions(
    group
      .command('add')
      .description('register an app or service; prints its client_id and, once, its client_secret')
      .requiredOption('--name <name>', 'name shown to citizens on the consent screen'),
    'add',
  ).action((options: RegistrationOptions) =>
    withIdentity(async ({ services }) => {
      printCreated(await services.clients.add(toInput(options) as ClientInput), options.json);
    }),
  );

  group
    .command('list')
    .description('list registered clients (never their secrets)')
    .option('--json', 'print the clients as JSON')
    .action((options: { json?: boolean }) =>
      withIdentity(async ({ services }) => {
        const clients = await services.clients.list();
        if (options.json) return printJson(clients);
        if (clients.length === 0) return printLines(['no clients registered']);
        printLines(
          table([
            ['CLIENT ID', 'KIND', 'TYPE', 'STATE', 'DEPARTMENT', 'NAME'],
            ...clients.map((c) => [
              c.clientId,
              c.kind,
              clientType(c),
              c.disabled ? 'disabled' : 'enabled',
              c.department ?? '-',
              c.name,
            ]),
          ]),
        );
      }),
    );

  group
    .command('show')
    .description("show one client's registration")
    .argument('<client_id>')
    .option('--json', 'print the client as JSON')
    .action((clientId: string, options: { json?: boolean }) =>
      withIdentity(async ({ services }) => printClient(await services.clients.get(clientId), options.json)),
    );

  registrationOptions(
    group
      .command('update')
      .description(
        'change a registration; options not given stay as they were, lists given replace the old ones',
      )
      .argument('<client_id>')
      .option('--name <name>', 'name shown to citizens on the consent screen'),
    'update',
  ).action((clientId: string, options: RegistrationOptions) =>
    withIdentity(async ({ services }) => {
      printClient(await services.clients.update(clientId, toInput(options)), options.json);
    }),
  );

  group
    .command('rotate-secret')
    .description("replace a confidential client's secret; the old one stops working at once")
    .argument('<client_id>')
    .option('--json', 'print the result as JSON')
    .action((clientId: string, options: { json?: boolean }) =>
      withIdentity(async ({ services }) => {
        printCreated(await services.clients.rotateSecret(clientId), options.json);
      }),
    );

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    group
      .command(name)
      .description(
        disabled
          ? 'stop a client from signing users in or getting tokens'
          : 'let a disabled client work again',
      )
      .argument('<client_id>')
      .action((clientId: string) =>
        withIdentity(async ({ services }) => {
          const client = await services.clients.setDisabled(clientId, disabled);
          printLines([`${disabled ? 'disabled' : 'enabled'} client ${client.clientId} (${client.name})`]);
        }),
      );
  }

  for (const command of group.commands) command.addHelpText('after', EXIT_CODES_HELP);
}

/** The registration options shared by `add` and `update`; `update` can also turn the flags off. */
function registrationOptions(command: Command, mode: 'add' | 'update'): Command {
  command
    .option('--redirect-uri <uri>', 'where sign-in returns to (repeatable; https, exact match)', collect)
    .option('--post-logout-redirect-uri <uri>', 'where sign-out may return to (repeatable)', collect)
    .option('--backchannel-logout-uri <uri>', 'where OneGate posts logout tokens when a session ends')
    .option('--public', 'a browser or mobile app that cannot keep a secret: PKCE, no client secret')
    .option(
      '--scopes <scopes>',
      'space-separated scopes (default for apps: openid profile email phone offline_access)',
    )
    .option('--department <id>', 'the owning department, e.g. social-security')
    .option('--first-party', "a government's own app: no consent screen")
    .option('--public-subject', 'receive the account id as sub instead of a pairwise one (linkable)')
    .option('--legacy-rs256', 'sign ID tokens with RS256 for clients that cannot verify ES256');
  if (mode === 'update') {
    command
      .option('--no-first-party', 'ask for consent again')
      .option('--no-public-subject', 'go back to a pairwise sub')
      .option('--no-legacy-rs256', 'go back to ES256 ID tokens');
  }
  return command.option('--json', 'print the result as JSON');
}

function toInput(options: RegistrationOptions): Partial<ClientInput> {
  return {
    name: options.name,
    redirectUris: options.redirectUri,
    postLogoutRedirectUris: options.postLogoutRedirectUri,
    backchannelLogoutUri: options.backchannelLogoutUri,
    public: options.public,
    scopes: options.scopes?.split(/[\s,]+/).filter(Boolean),
    department: options.department,
    firstParty: options.firstParty,
    publicSubject: options.publicSubject,
    legacyRs256: options.legacyRs256,
  };
}

function clientType(client: ClientInfo): string {
  return client.public ? 'public' : 'confidential';
}

/** After `add` or `rotate-secret`: the only time the secret is ever shown. */
function printCreated({ client, clientSecret }: CreatedClient, json: boolean | undefined): void {
  if (json) {
    return printJson({
      client_id: client.clientId,
      ...(clientSecret === undefined ? {} : { client_secret: clientSecret }),
      client,
    });
  }
  const lines = fields([
    ['client_id', client.clientId],
    ...(clientSecret === undefined ? [] : [['client_secret', clientSecret] as [string, string]]),
    ['kind', `${client.kind}, ${clientType(client)}`],
    ['scopes', client.scopes.join(' ')],
  ]);
  if (clientSecret !== undefined) {
    lines.push(
      '',
      'The client secret is shown only once: store it now. If it is lost, make a new one with',
      `\`onegate client rotate-secret ${client.clientId}\`.`,
    );
  } else {
    lines.push('', 'A public client has no secret: it must use PKCE.');
  }
  printLines(lines);
}

function printClient(client: ClientInfo, json: boolean | undefined): void {
  if (json) return printJson(client);
  const list = (values: string[]) => (values.length > 0 ? values.join(' ') : '-');
  printLines(
    fields([
      ['client_id', client.clientId],
      ['name', client.name],
      ['kind', client.kind],
      ['type', clientType(client)],
      ['state', client.disabled ? 'disabled' : 'enabled'],
      ['redirect URIs', list(client.redirectUris)],
      ['post-logout redirect URIs', list(client.postLogoutRedirectUris)],
      ['back-channel logout URI', client.backchannelLogoutUri ?? '-'],
      ['scopes', list(client.scopes)],
      ['department', client.department ?? '-'],
      ['first party', yesNo(client.firstParty)],
      ['subject', client.publicSubject ? 'public (account id)' : 'pairwise'],
      ['ID token alg', client.legacyRs256 ? 'RS256 (legacy)' : 'ES256'],
      ['created', isoDate(client.createdAt)],
      ['updated', isoDate(client.updatedAt)],
    ]),
  );
}
