import type { Command } from 'commander';
import { MASTER_KEY_ENV } from '@onegate/identity';
import { PRIVACY_KEK_ENV, type LoadedKek } from '@onegate/privacy';
import {
  EXIT_CODES_HELP,
  fields,
  printJson,
  printLines,
  usageErrorsExit2,
  withIdentity,
} from '../context.ts';

const ADMIN_SCOPE = 'admin';

export function registerInit(program: Command): void {
  usageErrorsExit2(program.command('init'))
    .description(
      'set up OneGate for production: master key, privacy key-encryption key, database, signing keys, a first admin client; safe to run again',
    )
    .option('--admin-client-name <name>', 'name of the first admin service client', 'OneGate admin')
    .option('--json', 'print what was found and created as JSON')
    .addHelpText(
      'after',
      `
Creates only what is missing: the master key file master.key (mode 0600) in the
data folder unless ONEGATE_MASTER_KEY is set, the privacy key-encryption key
file privacy-kek.key (mode 0600) unless ONEGATE_PRIVACY_KEK is set, the
database schema, a current signing key for each of ONEGATE_SIGNING_ALGS, and,
unless a client with the admin scope exists, an admin service client whose
secret is printed once. Back up both key files apart from the database.
${EXIT_CODES_HELP}`,
    )
    .action((options: { adminClientName: string; json?: boolean }) =>
      withIdentity(
        async ({ config, store, masterKey, kek, migrations, services }) => {
          const migrated = migrations.some((r) => r.applied.length > 0);
          const keysCreated = await services.keys.ensure(config.signingAlgs);
          // Any admin client counts, a disabled one too: init never adds a second.
          const existing = (await services.clients.list()).find((c) => c.scopes.includes(ADMIN_SCOPE));
          const created = existing
            ? undefined
            : await services.clients.add({ name: options.adminClientName, scopes: [ADMIN_SCOPE] });
          const admin = existing ?? created!.client;
          const nothingCreated =
            masterKey.source !== 'created' &&
            kek.source !== 'created' &&
            !migrated &&
            keysCreated.length === 0 &&
            !created;

          if (options.json) {
            return printJson({
              master_key: { source: masterKey.source, ...(masterKey.path ? { path: masterKey.path } : {}) },
              privacy_kek: { source: kek.source, ...(kek.path ? { path: kek.path } : {}) },
              database: { dialect: store.dialect, migrated },
              signing_keys: { created: keysCreated },
              admin_client: {
                created: created !== undefined,
                client_id: admin.clientId,
                ...(created?.clientSecret ? { client_secret: created.clientSecret } : {}),
              },
              nothing_created: nothingCreated,
            });
          }

          const lines = fields([
            [
              'master key',
              masterKey.source === 'created'
                ? `created ${masterKey.path} (mode 0600)`
                : masterKey.source === 'env'
                  ? `from ${MASTER_KEY_ENV} (no file written)`
                  : `exists, ${masterKey.path}`,
            ],
            ['privacy key', describeKek(kek)],
            ['database', `${store.dialect}, ${migrated ? 'schema created or updated' : 'up to date'}`],
            [
              'signing keys',
              keysCreated.length > 0
                ? `created ${keysCreated.map((k) => `${k.alg} ${k.kid}`).join(', ')}`
                : `exist (${config.signingAlgs.join(', ')})`,
            ],
            [
              'admin client',
              `${created ? 'created' : 'exists,'} ${admin.clientId} (${admin.name})${admin.disabled ? ', disabled' : ''}`,
            ],
          ]);
          if (masterKey.source === 'created') {
            lines.push(
              '',
              'Back up the master key now, apart from the database backups: client secrets are',
              'sealed under it, and pairwise subject identifiers and recovery codes depend on it.',
            );
          }
          if (kek.source === 'created') {
            lines.push(
              '',
              'Back up the privacy key-encryption key now, apart from the database backups and',
              'the master key: personal data, TOTP secrets and signing keys are encrypted under',
              'keys it wraps, and cannot be recovered without it.',
            );
          }
          if (created?.clientSecret) {
            lines.push(
              '',
              ...fields([
                ['client_id', admin.clientId],
                ['client_secret', created.clientSecret],
              ]),
              '',
              'The admin client secret is shown only once: store it now. If it is lost, make a',
              `new one with \`onegate client rotate-secret ${admin.clientId}\`.`,
            );
          }
          if (nothingCreated) lines.push('', 'Everything already exists; nothing was created.');
          printLines(lines);
        },
        { createMasterKey: true },
      ),
    );
}

function describeKek(kek: LoadedKek): string {
  if (kek.source === 'created') return `created ${kek.path} (mode 0600)`;
  return kek.source === 'env' ? `from ${PRIVACY_KEK_ENV} (no file written)` : `exists, ${kek.path}`;
}
