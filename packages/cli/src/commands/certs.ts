import type { Command } from 'commander';
import type { X509Certificate } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { IdentityError, type ClientInfo, type IdentityServices } from '@onegate/identity';
import {
  certificateThumbprint,
  clientUri,
  createCertificateAuthority,
  createCrl,
  daysUntilExpiry,
  exportPkcs12,
  issueClientCertificate,
  issueServerCertificate,
  loadConfig,
  parseCertificatePem,
  privacyMasker,
  readCrl,
  ServerError,
  type IssuedCertificate,
  type KeyAndCertificate,
  type Revocation,
} from '@onegate/server';
import { isStoreError } from '@onegate/store';
import { withAudit, type AuditCliContext } from '../audit-context.ts';
import { caPaths, loadCa, loadPublicCa, type CaPaths } from '../certs/ca-directory.ts';
import {
  certificateStatus,
  daysLeft,
  formatIndex,
  REVOCATION_REASONS,
  type CaIndex,
  type IndexedCertificate,
  type RevocationReason,
} from '../certs/ca-index.ts';
import { errorCode, withDirectoryLock, writeFiles, type FileToWrite } from '../certs/files.ts';
import { readP12Password } from '../certs/p12-password.ts';
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

/** Who the audit log records as acting for the CLI. */
const OPERATOR = 'operator';
/** How long a CRL made by `revoke` (and `crl` by default) is current; cron re-issues it well before. */
const CRL_DAYS = 7;
const DAY_MS = 86_400_000;
/** A client_id as `client add` makes them (og_ + base64url) or any registered id that is a safe file name. */
const CLIENT_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
const DNS_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function registerCerts(program: Command): void {
  const group = usageErrorsExit2(
    program
      .command('certs')
      .description(
        'a development PKI: CA, HTTPS server certificate, service-client certificates for mutual TLS, CRL',
      )
      .addHelpText(
        'after',
        `
The CA lives in --dir (default certs/; certs/README.md describes every file).
It is for development and tests: in production bring your own CA and point
ONEGATE_TLS_CA and ONEGATE_TLS_CRL at its certificate and CRL; OneGate never
needs a CA's private key to run. \`certs issue\` and \`certs revoke\` are recorded
in the audit log and need the database; \`init\`, \`crl\`, \`list\` and \`show\` do not.`,
      ),
  );

  group
    .command('init')
    .description('create a development CA and a server certificate for this OneGate, and an empty CRL')
    .option('--dir <dir>', 'where to write the files', 'certs')
    .option(
      '--host <name>',
      "a DNS name or IP address the server certificate is for, and the CA may issue for (repeatable; default: the issuer's host, localhost, 127.0.0.1)",
      collect,
    )
    .option('--days <days>', 'how long the server certificate is valid', '825')
    .option('--ca-days <days>', 'how long the CA is valid', '3650')
    .option('--force', 'replace a CA already in --dir (certificates it issued stop verifying)')
    .option('--json', 'print what was written as JSON')
    .action((options: InitOptions) => init(options));

  group
    .command('issue')
    .description("issue a service client's certificate for mutual TLS (tls_client_auth)")
    .requiredOption('--client <client_id>', 'the service client the certificate is for')
    .option('--dir <dir>', 'the CA to issue with', 'certs')
    .option('--days <days>', 'how long the certificate is valid', '397')
    .option(
      '--p12',
      'also write a PKCS#12 file, protected by the password on the first line of standard input (12 characters or more)',
    )
    .option('--force', "replace this client's files (its previous certificate stays valid until revoked)")
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Example:
  printf '%s\\n' "$P12_PASSWORD" | onegate certs issue --client og_… --p12`,
    )
    .action((options: IssueOptions) => issue(options));

  group
    .command('revoke')
    .description('revoke a certificate (or every certificate of a client) and re-issue the CRL')
    .option('--serial <hex>', 'the serial number, as `certs list` shows it')
    .option('--client <client_id>', 'every certificate of this client that is not revoked yet')
    .option('--reason <reason>', `why: ${REVOCATION_REASONS.join(', ')}`, 'unspecified')
    .option('--dir <dir>', 'the CA that issued it', 'certs')
    .option('--json', 'print the result as JSON')
    .action((options: RevokeOptions) => revoke(options));

  group
    .command('crl')
    .description('re-issue the CRL, which expires: run it from cron, e.g. daily')
    .option('--dir <dir>', 'the CA whose CRL to re-issue', 'certs')
    .option('--days <days>', 'how long the new CRL is current', String(CRL_DAYS))
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
A running OneGate reloads ONEGATE_TLS_CRL when the file changes. Once a CRL's
next update has passed, clients whose certificates it covers are refused.`,
    )
    .action((options: CrlOptions) => crl(options));

  group
    .command('list')
    .description('list the certificates the CA issued, with their status and days left')
    .option('--dir <dir>', 'the CA', 'certs')
    .option('--json', 'print the certificates as JSON')
    .action((options: { dir: string; json?: boolean }) => list(options));

  group
    .command('show')
    .description('show a PEM certificate (any, also one made by openssl) and its x5t#S256 thumbprint')
    .argument('<file>', 'a PEM certificate file')
    .option('--json', 'print the certificate as JSON')
    .action((file: string, options: { json?: boolean }) => show(file, options));

  for (const command of group.commands) command.addHelpText('after', EXIT_CODES_HELP);
}

// ---- init

interface InitOptions {
  dir: string;
  host?: string[];
  days: string;
  caDays: string;
  force?: boolean;
  json?: boolean;
}

async function init(options: InitOptions): Promise<void> {
  const days = parseDays(options.days, '--days');
  const caDays = parseDays(options.caDays, '--ca-days');
  if (days > caDays) refuse(`--days (${days}) must not be more than --ca-days (${caDays})`);
  const hosts = [...new Set((options.host ?? defaultHosts()).map(parseHost))];
  const paths = caPaths(options.dir);
  const outputs = [paths.caCert, paths.caKey, paths.serverCert, paths.serverKey, paths.crl, paths.index];

  await withDirectoryLock(paths.dir, async () => {
    const existing = await existingFiles(outputs);
    if (existing.length > 0 && !options.force) {
      throw new Error(
        `${paths.dir} already holds a CA (${existing.join(', ')}): nothing was changed. Pass --force to replace it; every certificate it issued then stops verifying`,
      );
    }
    const now = new Date();
    const ca = createCertificateAuthority({
      commonName: `OneGate development CA ${hosts[0]!} ${now.toISOString().slice(0, 10)}`,
      permittedHosts: hosts,
      days: caDays,
    });
    const server = auditable(() => issueServerCertificate(ca, { hosts, days }));
    const index: CaIndex = {
      version: 1,
      nextCrlNumber: 1,
      certificates: [
        {
          serial: server.serial,
          kind: 'server',
          hosts,
          subject: oneLine(server.subject),
          notAfter: server.notAfter.toISOString(),
          issuedAt: now.toISOString(),
        },
      ],
    };
    const crlPem = nextCrl(ca, index, now, CRL_DAYS);
    const replace = options.force === true;
    await writeFiles([
      { path: paths.caKey, content: ca.keyPem, secret: true, replace },
      { path: paths.caCert, content: ca.certPem, secret: false, replace },
      { path: paths.serverKey, content: server.keyPem, secret: true, replace },
      { path: paths.serverCert, content: server.certPem, secret: false, replace },
      { path: paths.crl, content: crlPem, secret: false, replace },
      { path: paths.index, content: formatIndex(index), secret: false, replace },
    ]);

    const settings = {
      ONEGATE_TLS_CERT: paths.serverCert,
      ONEGATE_TLS_KEY: paths.serverKey,
      ONEGATE_TLS_CA: paths.caCert,
      ONEGATE_TLS_CRL: paths.crl,
    };
    if (options.json) {
      return printJson({
        dir: paths.dir,
        hosts,
        ca: {
          file: paths.caCert,
          key: paths.caKey,
          subject: oneLine(ca.subject),
          serial: ca.serial,
          notAfter: ca.notAfter,
        },
        server: {
          file: paths.serverCert,
          key: paths.serverKey,
          serial: server.serial,
          notAfter: server.notAfter,
        },
        crl: paths.crl,
        index: paths.index,
        settings,
      });
    }
    printLines([
      `${existing.length > 0 ? 'replaced the' : 'created a'} development CA in ${paths.dir} for ${hosts.join(', ')}`,
      ...fields([
        ['CA certificate', `${paths.caCert} (valid until ${isoDate(ca.notAfter.getTime())})`],
        ['CA private key', `${paths.caKey} (secret, 0600)`],
        ['server certificate', `${paths.serverCert} (valid until ${isoDate(server.notAfter.getTime())})`],
        ['server private key', `${paths.serverKey} (secret, 0600)`],
        ['CRL', `${paths.crl} (empty; re-issue with \`onegate certs crl\` within ${CRL_DAYS} days)`],
        ['index', paths.index],
      ]),
      '',
      'To serve HTTPS and accept client certificates from this CA, set:',
      ...Object.entries(settings).map(([name, value]) => `  ${name}=${value}`),
      ...(existing.length > 0
        ? ['', 'Certificates the previous CA issued (clients/) no longer verify: issue them again.']
        : []),
    ]);
  });
}

/** The issuer's host and the loopback names, so a local OneGate is reachable under each. */
function defaultHosts(): string[] {
  const host = new URL(loadConfig().issuer).hostname.replace(/^\[(.*)\]$/, '$1');
  return [host, 'localhost', '127.0.0.1'];
}

function parseHost(value: string): string {
  const host = value.trim().toLowerCase();
  if (isIP(host) === 0 && !DNS_NAME.test(host)) {
    refuse(`--host takes a DNS name or an IP address, without wildcards (got ${JSON.stringify(value)})`);
  }
  return host;
}

async function existingFiles(paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    try {
      await access(path);
      found.push(path);
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
    }
  }
  return found;
}

// ---- issue

interface IssueOptions {
  client: string;
  dir: string;
  days: string;
  p12?: boolean;
  force?: boolean;
  json?: boolean;
}

async function issue(options: IssueOptions): Promise<void> {
  const clientId = parseClientId(options.client);
  const days = parseDays(options.days, '--days');
  const password = options.p12 ? await readP12Password() : undefined;
  const paths = caPaths(options.dir);
  // Everything that can be checked without the database is, first: no CA, a CA expiring too soon, files in the way.
  const { caCert } = await loadCa(paths);
  checkWithinCa(caCert, days, paths);
  const outputs = [paths.clientCert(clientId), paths.clientKey(clientId)];
  if (password !== undefined) outputs.push(paths.clientP12(clientId));
  await refuseToReplace(outputs, options.force, `pass --force to replace them`);

  await needingAuditLog('issue', withIdentity, async ({ services, audit }) => {
    const client = await checkServiceClient(services, clientId);
    await withDirectoryLock(paths.dir, async () => {
      const { ca, index } = await loadCa(paths);
      await refuseToReplace(outputs, options.force, `pass --force to replace them`);
      const now = new Date();
      const issued = auditable(() => issueClientCertificate(ca, { clientId, days }));
      const entry: IndexedCertificate = {
        serial: issued.serial,
        kind: 'client',
        clientId,
        subject: oneLine(issued.subject),
        notAfter: issued.notAfter.toISOString(),
        issuedAt: now.toISOString(),
      };
      index.certificates.push(entry);
      const replace = options.force === true;
      const files: FileToWrite[] = [
        { path: paths.clientKey(clientId), content: issued.keyPem, secret: true, replace },
        { path: paths.clientCert(clientId), content: issued.certPem, secret: false, replace },
      ];
      if (password !== undefined) {
        files.push({
          path: paths.clientP12(clientId),
          content: exportPkcs12({
            certPem: issued.certPem,
            keyPem: issued.keyPem,
            chainPems: [ca.certPem],
            password,
            friendlyName: clientId,
          }),
          secret: true,
          replace,
        });
      }
      files.push({ path: paths.index, content: formatIndex(index), secret: false, replace: true });
      await writeFiles(files, () =>
        audit.write({
          action: 'certificate.issue',
          outcome: 'success',
          actor: OPERATOR,
          details: {
            serial: entry.serial,
            clientId,
            subject: entry.subject,
            notAfter: entry.notAfter,
            ca: oneLine(caCert.subject),
          },
        }),
      );

      const sanUri = clientUri(clientId);
      // Printed only when the registration does not already expect this certificate.
      const register = expectsSanUri(client, sanUri)
        ? undefined
        : `onegate client update ${clientId} --auth tls_client_auth --cert-san-uri ${sanUri}`;
      if (options.json) {
        return printJson({
          clientId,
          serial: entry.serial,
          subject: entry.subject,
          sanUri,
          notAfter: entry.notAfter,
          files: {
            certificate: paths.clientCert(clientId),
            key: paths.clientKey(clientId),
            ...(password === undefined ? {} : { p12: paths.clientP12(clientId) }),
          },
          ...(register === undefined ? {} : { register }),
        });
      }
      printLines([
        `issued a client certificate for ${clientId}`,
        ...fields([
          ['serial', entry.serial],
          ['subject', entry.subject],
          ['SAN', `URI:${sanUri}`],
          ['valid until', isoDate(Date.parse(entry.notAfter))],
          ['certificate', paths.clientCert(clientId)],
          ['private key', `${paths.clientKey(clientId)} (secret, 0600)`],
          ...(password === undefined
            ? []
            : [['PKCS#12', `${paths.clientP12(clientId)} (secret, 0600)`] as [string, string]]),
        ]),
        '',
        ...(register === undefined
          ? ['The client already authenticates with this certificate (mutual TLS, certificate-bound tokens).']
          : ['Let the client authenticate with it (mutual TLS, certificate-bound tokens):', `  ${register}`]),
      ]);
    });
  });
}

/** The client must be registered, and a service: apps sign users in, they do not call /api/v1 with client credentials. */
async function checkServiceClient(services: IdentityServices, clientId: string): Promise<ClientInfo> {
  let client: ClientInfo;
  try {
    client = await services.clients.get(clientId);
  } catch (err) {
    if (err instanceof IdentityError && err.code === 'ERR_CLIENT_NOT_FOUND') {
      throw new Error(
        `no client ${clientId} is registered: register the service first (\`onegate client add --name … --scopes … --auth tls_client_auth\`); nothing was issued`,
        { cause: err },
      );
    }
    throw err;
  }
  if (client.kind !== 'service') {
    throw new Error(
      `client ${clientId} is an app, not a service: client certificates are for services (client credentials); nothing was issued`,
    );
  }
  return client;
}

/** Whether the registration already expects the SAN URI this command writes. */
function expectsSanUri(client: ClientInfo, sanUri: string): boolean {
  const binding = client.certificate;
  return (
    client.auth === 'tls_client_auth' &&
    binding !== undefined &&
    'match' in binding &&
    binding.match === 'tls_client_auth_san_uri' &&
    binding.value === sanUri
  );
}

function checkWithinCa(caCert: X509Certificate, days: number, paths: CaPaths): void {
  const caNotAfter = Date.parse(caCert.validTo);
  const left = Math.floor((caNotAfter - Date.now()) / DAY_MS);
  if (left < 1) {
    throw new Error(
      `the CA in ${paths.dir} expired on ${isoDate(caNotAfter)}: make a new one (\`onegate certs init --force\`)`,
    );
  }
  if (days > left) {
    refuse(`the CA expires on ${isoDate(caNotAfter)}, in ${left} days: pass --days ${left} or fewer`);
  }
}

async function refuseToReplace(paths: string[], force: boolean | undefined, hint: string): Promise<void> {
  if (force) return;
  const existing = await existingFiles(paths);
  if (existing.length > 0) {
    throw new Error(
      `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}: nothing was issued. ${hint}; the previous certificate stays valid until it expires or is revoked`,
    );
  }
}

// ---- revoke

interface RevokeOptions {
  serial?: string;
  client?: string;
  reason: string;
  dir: string;
  json?: boolean;
}

async function revoke(options: RevokeOptions): Promise<void> {
  if ((options.serial === undefined) === (options.client === undefined)) {
    refuse('pass either --serial <hex> or --client <client_id>');
  }
  const which = {
    serial: options.serial === undefined ? undefined : parseSerial(options.serial),
    clientId: options.client === undefined ? undefined : parseClientId(options.client),
  };
  const reason = parseReason(options.reason);
  const paths = caPaths(options.dir);
  // Unknown or already revoked: said before the database is opened.
  toRevoke((await loadCa(paths)).index, which, paths);

  await needingAuditLog<AuditCliContext>(
    'revoke',
    (run) => withAudit(run, { sign: true }),
    async ({ audit }) => {
      await withDirectoryLock(paths.dir, async () => {
        const { ca, index } = await loadCa(paths);
        const entries = toRevoke(index, which, paths);
        const now = new Date();
        for (const entry of entries) {
          entry.revokedAt = now.toISOString();
          entry.reason = reason;
        }
        const crlNumber = index.nextCrlNumber;
        const crlPem = nextCrl(ca, index, now, CRL_DAYS);
        await writeFiles(
          [
            { path: paths.index, content: formatIndex(index), secret: false, replace: true },
            { path: paths.crl, content: crlPem, secret: false, replace: true },
          ],
          async () => {
            for (const entry of entries) {
              await audit.write({
                action: 'certificate.revoke',
                outcome: 'success',
                actor: OPERATOR,
                details: {
                  serial: entry.serial,
                  ...(entry.clientId === undefined
                    ? { hosts: entry.hosts ?? [] }
                    : { clientId: entry.clientId }),
                  reason,
                  crlNumber,
                },
              });
            }
          },
        );
        if (options.json) {
          return printJson({
            revoked: entries.map(({ serial, clientId, hosts }) => ({ serial, clientId, hosts })),
            reason,
            crl: { file: paths.crl, crlNumber, nextUpdate: new Date(now.getTime() + CRL_DAYS * DAY_MS) },
          });
        }
        printLines([
          ...entries.map((entry) => `revoked ${entry.serial} (${describe(entry)}), reason ${reason}`),
          `wrote ${paths.crl}: CRL number ${crlNumber}, next update ${isoDate(now.getTime() + CRL_DAYS * DAY_MS)}`,
          'A running OneGate reloads the CRL when the file changes; copy it wherever else ONEGATE_TLS_CRL points.',
        ]);
      });
    },
  );
}

/** The index entries a revoke changes (the same objects); an Error when there are none. */
function toRevoke(
  index: CaIndex,
  which: { serial: string | undefined; clientId: string | undefined },
  paths: CaPaths,
): IndexedCertificate[] {
  if (which.serial !== undefined) {
    const entry = index.certificates.find((c) => c.serial === which.serial);
    if (!entry)
      throw new Error(`no certificate with serial ${which.serial} in ${paths.index}: nothing was changed`);
    if (entry.revokedAt !== undefined) throw alreadyRevoked(entry);
    return [entry];
  }
  const entries = index.certificates.filter((c) => c.clientId === which.clientId);
  if (entries.length === 0) {
    throw new Error(
      `no certificate was issued to client ${which.clientId!} in ${paths.dir}: nothing was changed`,
    );
  }
  const live = entries.filter((c) => c.revokedAt === undefined);
  if (live.length === 0) throw alreadyRevoked(entries[entries.length - 1]!);
  return live;
}

function alreadyRevoked(entry: IndexedCertificate): Error {
  return new Error(
    `certificate ${entry.serial} (${describe(entry)}) was already revoked on ${isoDate(Date.parse(entry.revokedAt!))} (${entry.reason ?? 'unspecified'}): nothing was changed`,
  );
}

// ---- crl

interface CrlOptions {
  dir: string;
  days: string;
  json?: boolean;
}

async function crl(options: CrlOptions): Promise<void> {
  const days = parseDays(options.days, '--days');
  if (days > 366) refuse('--days for a CRL is at most 366; re-issue it from cron instead');
  const paths = caPaths(options.dir);
  await loadCa(paths);
  await withDirectoryLock(paths.dir, async () => {
    const { ca, index } = await loadCa(paths);
    const now = new Date();
    const crlNumber = index.nextCrlNumber;
    const crlPem = nextCrl(ca, index, now, days);
    // The index first: a CRL number is never used twice, even if writing the CRL fails.
    await writeFiles([
      { path: paths.index, content: formatIndex(index), secret: false, replace: true },
      { path: paths.crl, content: crlPem, secret: false, replace: true },
    ]);
    const revoked = index.certificates.filter((c) => c.revokedAt !== undefined).length;
    const nextUpdate = now.getTime() + days * DAY_MS;
    if (options.json) {
      return printJson({
        file: paths.crl,
        crlNumber,
        revoked,
        thisUpdate: now,
        nextUpdate: new Date(nextUpdate),
      });
    }
    printLines([
      `wrote ${paths.crl}: CRL number ${crlNumber}, ${revoked} revoked, next update ${isoDate(nextUpdate)}`,
      'Run `onegate certs crl` again before then (e.g. daily from cron); a running OneGate reloads the file when it changes.',
    ]);
  });
}

/** A CRL of every revoked certificate in the index, numbered with (and advancing) the index's next CRL number. */
function nextCrl(ca: KeyAndCertificate, index: CaIndex, now: Date, days: number): string {
  const revoked = index.certificates.flatMap((c): Revocation[] =>
    c.revokedAt === undefined
      ? []
      : [
          {
            serial: c.serial,
            revokedAt: new Date(c.revokedAt),
            // RFC 5280 5.3.1: rather no reason code than `unspecified`.
            ...(c.reason === undefined || c.reason === 'unspecified' ? {} : { reason: c.reason }),
          },
        ],
  );
  const crlNumber = index.nextCrlNumber;
  index.nextCrlNumber += 1;
  return createCrl(ca, {
    revoked,
    crlNumber,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + days * DAY_MS),
  });
}

// ---- list

async function list(options: { dir: string; json?: boolean }): Promise<void> {
  const paths = caPaths(options.dir);
  const { caCert, index } = await loadPublicCa(paths);
  const now = new Date();
  const caNotAfter = new Date(caCert.validTo);
  const ca = {
    subject: oneLine(caCert.subject),
    serial: caCert.serialNumber,
    notAfter: caNotAfter,
    daysLeft: daysUntilExpiry(caCert, now),
    status: caNotAfter.getTime() <= now.getTime() ? 'expired' : 'valid',
  };
  const crlState = await crlStatus(paths, caCert, now);
  const certificates = index.certificates.map((entry) => ({
    ...entry,
    status: certificateStatus(entry, now),
    daysLeft: daysLeft(entry.notAfter, now),
  }));
  if (options.json) return printJson({ dir: paths.dir, ca, crl: crlState, certificates });

  printLines([
    `CA:  ${ca.subject}, ${ca.status === 'valid' ? `valid until ${isoDate(caNotAfter.getTime())}, ${ca.daysLeft} days left` : `EXPIRED on ${isoDate(caNotAfter.getTime())}`}`,
    `CRL: ${crlLine(crlState)}`,
    '',
    ...(certificates.length === 0
      ? ['no certificates issued']
      : table([
          ['SERIAL', 'KIND', 'FOR', 'STATUS', 'NOT AFTER', 'DAYS LEFT'],
          ...certificates.map((c) => [
            c.serial,
            c.kind,
            c.clientId ?? (c.hosts ?? []).join(','),
            c.status === 'revoked'
              ? `revoked ${isoDate(Date.parse(c.revokedAt!))} (${c.reason ?? 'unspecified'})`
              : c.status,
            isoDate(Date.parse(c.notAfter)),
            c.status === 'valid' ? String(c.daysLeft) : '-',
          ]),
        ])),
  ]);
}

type CrlState =
  | {
      status: 'current' | 'expired';
      crlNumber: number | undefined;
      thisUpdate: Date;
      nextUpdate: Date | undefined;
    }
  | { status: 'unusable'; problem: string };

async function crlStatus(paths: CaPaths, caCert: X509Certificate, now: Date): Promise<CrlState> {
  try {
    const { crlNumber, thisUpdate, nextUpdate } = readCrl(await readFile(paths.crl, 'utf8'), caCert);
    const expired = nextUpdate !== undefined && nextUpdate.getTime() <= now.getTime();
    return { status: expired ? 'expired' : 'current', crlNumber, thisUpdate, nextUpdate };
  } catch (err) {
    return { status: 'unusable', problem: err instanceof Error ? err.message : String(err) };
  }
}

function crlLine(state: CrlState): string {
  if (state.status === 'unusable') return `${state.problem}: run \`onegate certs crl\``;
  const number = state.crlNumber === undefined ? '' : `number ${state.crlNumber}, `;
  const next = state.nextUpdate === undefined ? '-' : isoDate(state.nextUpdate.getTime());
  return state.status === 'current'
    ? `${number}next update ${next}`
    : `${number}EXPIRED on ${next}: run \`onegate certs crl\``;
}

// ---- show

async function show(file: string, options: { json?: boolean }): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${errorCode(err) === 'ENOENT' ? 'no such file' : String(err)}`, {
      cause: err,
    });
  }
  let cert: X509Certificate;
  try {
    cert = parseCertificatePem(text, file);
  } catch (err) {
    if (err instanceof ServerError && err.code === 'ERR_CERT_INVALID') refuse(err.message);
    throw err;
  }
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  const details = cert.publicKey.asymmetricKeyDetails;
  const key = [
    cert.publicKey.asymmetricKeyType ?? 'unknown',
    details?.namedCurve ??
      (details?.modulusLength === undefined ? undefined : `${details.modulusLength} bits`),
  ]
    .filter(Boolean)
    .join(' ');
  const left = daysUntilExpiry(cert);
  const thumbprint = certificateThumbprint(cert);
  if (options.json) {
    return printJson({
      file,
      subject: oneLine(cert.subject),
      issuer: oneLine(cert.issuer),
      serial: cert.serialNumber,
      subjectAltName: cert.subjectAltName ?? null,
      notBefore,
      notAfter,
      daysLeft: left,
      ca: cert.ca,
      publicKey: key,
      'x5t#S256': thumbprint,
    });
  }
  printLines(
    fields([
      ['subject', oneLine(cert.subject)],
      ['issuer', oneLine(cert.issuer)],
      ['serial', cert.serialNumber],
      ['SAN', cert.subjectAltName ?? '-'],
      ['not before', isoDate(notBefore.getTime())],
      ['not after', `${isoDate(notAfter.getTime())} (${left >= 0 ? `${left} days left` : 'expired'})`],
      ['CA', cert.ca ? 'yes' : 'no'],
      ['public key', key],
      ['x5t#S256', thumbprint],
    ]),
  );
}

// ---- shared

/**
 * `certs issue` and `certs revoke` are CA operations: one that is not in the
 * audit log did not happen. The log lives in the database, so when it
 * cannot be opened they stop before writing any file, and say why.
 */
async function needingAuditLog<C>(
  command: string,
  open: (run: (context: C) => Promise<void>) => Promise<void>,
  run: (context: C) => Promise<void>,
): Promise<void> {
  let opened = false;
  try {
    await open((context) => {
      opened = true;
      return run(context);
    });
  } catch (err) {
    if (!opened && isStoreError(err)) {
      throw new Error(
        `certs ${command} records what it does in the audit log, and the database could not be opened (${err.message} [${err.code}]): nothing was written`,
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * Retries until the serial reads the same after the audit log's
 * personal-data masking: a random serial ending in 11 digits looks like a
 * phone number, and a masked serial in the log could not be looked up.
 */
function auditable(make: () => IssuedCertificate): IssuedCertificate {
  for (let attempt = 1; ; attempt++) {
    const issued = make();
    if (privacyMasker.text(issued.serial) === issued.serial) return issued;
    // About 1 serial in 2000 is masked; twenty in a row is a broken masker, not chance.
    if (attempt === 20) throw new Error(`the audit log masks every serial number, e.g. ${issued.serial}`);
  }
}

function parseDays(value: string, option: string): number {
  const days = /^\d{1,5}$/.test(value) ? Number(value) : 0;
  if (days < 1) refuse(`${option} takes a positive whole number of days (got ${JSON.stringify(value)})`);
  return days;
}

function parseClientId(value: string): string {
  if (!CLIENT_ID.test(value)) {
    refuse(
      `--client takes a client_id such as og_…: letters, digits, '.', '_' and '-', not starting with '.' (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

/** As `X509Certificate.serialNumber` prints it: upper-case hex without leading zeros; colons and 0x are accepted. */
function parseSerial(value: string): string {
  const hex = value.trim().replace(/^0x/i, '').replaceAll(':', '').toUpperCase();
  if (!/^[0-9A-F]{1,40}$/.test(hex))
    refuse(`--serial takes a hexadecimal serial number (got ${JSON.stringify(value)})`);
  return hex.replace(/^0+(?=.)/, '');
}

function parseReason(value: string): RevocationReason {
  const reason = REVOCATION_REASONS.find((r) => r === value);
  if (!reason)
    refuse(`--reason must be one of ${REVOCATION_REASONS.join(', ')} (got ${JSON.stringify(value)})`);
  return reason;
}

function describe(entry: IndexedCertificate): string {
  return entry.clientId === undefined
    ? `server ${(entry.hosts ?? []).join(', ')}`
    : `client ${entry.clientId}`;
}

/** `X509Certificate.subject` puts one attribute per line. */
function oneLine(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}
