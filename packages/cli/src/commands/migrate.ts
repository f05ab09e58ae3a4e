import type { Command } from 'commander';
import { grantLeastPrivilege, loadConfig, migrateAll } from '@onegate/server';
import { refuse } from '../context.ts';
import { openStore } from '@onegate/store';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations of every package, then exit')
    .option(
      '--grant-runtime <role>',
      'PostgreSQL: then grant the role `onegate serve` connects as what it needs, and no change to recorded audit entries',
    )
    .option(
      '--grant-retention <role>',
      'PostgreSQL: with --grant-runtime, the role retention connects as, allowed only to empty old audit entries',
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean; grantRuntime?: string; grantRetention?: string }) => {
      if ((options.grantRuntime === undefined) !== (options.grantRetention === undefined)) {
        refuse(
          '--grant-runtime and --grant-retention go together: retention needs the role that may change old entries',
        );
      }
      const config = loadConfig();
      if (options.grantRuntime !== undefined && config.databaseUrl === undefined) {
        refuse('--grant-runtime needs PostgreSQL (ONEGATE_DATABASE_URL); SQLite has no roles');
      }
      const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        const results = await migrateAll(store);
        const roles =
          options.grantRuntime === undefined
            ? undefined
            : { runtime: options.grantRuntime, retention: options.grantRetention! };
        const grants = roles === undefined ? [] : await grantLeastPrivilege(store, roles);
        if (options.json) {
          process.stdout.write(
            `${JSON.stringify({ database: store.dialect, results, ...(roles ? { grants } : {}) })}\n`,
          );
          return;
        }
        for (const r of results) {
          const what = r.applied.length > 0 ? `applied ${r.applied.join(', ')}` : 'up to date';
          process.stdout.write(`${r.owner}: ${what} (version ${r.current})\n`);
        }
        process.stdout.write(`database (${store.dialect}) is up to date\n`);
        if (roles) {
          process.stdout.write(
            `granted ${roles.runtime} the runtime's privileges (no UPDATE or DELETE on the audit record) and ${roles.retention} retention's\n`,
          );
        }
      } finally {
        await store.close();
      }
    });
}
