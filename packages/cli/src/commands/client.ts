import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CertificateBinding, ClientInfo, ClientInput, CreatedClient } from '@onegate/identity';
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
  auth?: string;
  certSubject?: string;
  certSanUri?: string;
  certSanDns?: string;
  certSanEmail?: string;
  certSanIp?: string;
  cert?: string;
  json?: boolean;
}

/** A PEM file is a few kilobytes; anything far larger is not one. */
const MAX_CERT_FILE = 64 * 1024;

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
--scopes "audit:write authz:check". A service authenticates with a client secret,
or with its TLS certificate (RFC 8705): --auth tls_client_auth with one of
--cert-subject/--cert-san-uri/--cert-san-dns/--cert-san-email/--cert-san-ip
(a certificate from the configured CA; \`onegate certs issue --client <id>\` makes
one with SAN URI urn:onegate:client:<id>), or --auth self_signed_tls_client_auth
--cert <file.pem> (that exact certificate). Its access tokens are then bound to
the certificate, and it has no secret.`,
      ),
  );

  registrationOptions(
    group
      .command('add')
      .description('register an app or service; prints its client_id and, once, its client_secret')
      .requiredOption('--name <name>', 'name shown to citizens on the consent screen'),
    'add',
  ).action((options: RegistrationOptions) => {
    const input = toInput(options) as ClientInput;
    return withIdentity(async ({ services }) => {
      printCreated(await services.clients.add(input), options.json);
    });
  });

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
            ['CLIENT ID', 'KIND', 'TYPE', 'AUTH', 'STATE', 'DEPARTMENT', 'NAME', 'CERTIFICATE'],
            ...clients.map((c) => [
              c.clientId,
              c.kind,
              clientType(c),
              c.auth,
              c.disabled ? 'disabled' : 'enabled',
              c.department ?? '-',
              c.name,
              certificateText(c.certificate),
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
  ).action((clientId: string, options: RegistrationOptions) => {
    const input = toInput(options);
    return withIdentity(async ({ services }) => {
      printClient(await services.clients.update(clientId, input), options.json);
    });
  });

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
    .option(
      '--backchannel-logout-uri <uri>',
      'where OneGate posts logout tokens when a session ends (https; a private address only if ONEGATE_OUTBOUND_ALLOW_HOSTS lists its host)',
    )
    .option('--public', 'a browser or mobile app that cannot keep a secret: PKCE, no client secret')
    .option(
      '--scopes <scopes>',
      'space-separated scopes (default for apps: openid profile email phone offline_access)',
    )
    .option('--department <id>', 'the owning department, e.g. social-security')
    .option('--first-party', "a government's own app: no consent screen")
    .option('--public-subject', 'receive the account id as sub instead of a pairwise one (linkable)')
    .option('--legacy-rs256', 'sign ID tokens with RS256 for clients that cannot verify ES256')
    .option(
      '--auth <method>',
      mode === 'add'
        ? 'how a service authenticates: client_secret_basic (default), tls_client_auth, self_signed_tls_client_auth'
        : 'move a service from its secret to tls_client_auth or self_signed_tls_client_auth (its secret is deleted)',
    )
    .option(
      '--cert-subject <dn>',
      'tls_client_auth: certificate subject DN, e.g. "CN=<id>,O=OneGate service clients"',
    )
    .option('--cert-san-uri <uri>', 'tls_client_auth: certificate SAN URI, e.g. urn:onegate:client:<id>')
    .option('--cert-san-dns <name>', 'tls_client_auth: certificate SAN DNS name')
    .option('--cert-san-email <address>', 'tls_client_auth: certificate SAN e-mail address')
    .option('--cert-san-ip <address>', 'tls_client_auth: certificate SAN IP address')
    .option('--cert <file.pem>', "self_signed_tls_client_auth: the client's own certificate (never its key)");
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
    auth: options.auth as ClientInput['auth'],
    certSubject: options.certSubject,
    certSanUri: options.certSanUri,
    certSanDns: options.certSanDns,
    certSanEmail: options.certSanEmail,
    certSanIp: options.certSanIp,
    certificatePem: options.cert === undefined ? undefined : readCertificateFile(options.cert),
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

/** Read before the store is opened, so an unreadable file changes nothing. */
function readCertificateFile(path: string): string {
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch {
    return refuse(`--cert: cannot read ${path}`);
  }
  if (text.length > MAX_CERT_FILE) refuse(`--cert: ${path} is too large for a PEM certificate`);
  return text.toString('utf8');
}

function certificateText(binding: CertificateBinding | undefined): string {
  if (binding === undefined) return '-';
  if ('pem' in binding)
    return `${binding.subject} (x5t#S256 ${binding.thumbprint}, until ${binding.notAfter})`;
  const label = binding.match.replace('tls_client_auth_', '').replace('_', ' ').toUpperCase();
  return `${label} ${binding.value}`;
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
    ['token endpoint auth', client.auth],
    ...(client.certificate === undefined
      ? []
      : [['certificate', certificateText(client.certificate)] as [string, string]]),
  ]);
  if (clientSecret !== undefined) {
    lines.push(
      '',
      'The client secret is shown only once: store it now. If it is lost, make a new one with',
      `\`onegate client rotate-secret ${client.clientId}\`.`,
    );
  } else if (client.auth === 'none') {
    lines.push('', 'A public client has no secret: it must use PKCE.');
  } else {
    lines.push(
      '',
      `This client authenticates with its TLS certificate (${client.auth}): it has no secret, and its`,
      'access tokens are bound to the certificate.',
    );
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
      ['token endpoint auth', client.auth],
      ['certificate', certificateText(client.certificate)],
      ['created', isoDate(client.createdAt)],
      ['updated', isoDate(client.updatedAt)],
    ]),
  );
}
