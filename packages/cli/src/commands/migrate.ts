import type { Command } from 'commander';
import { loadConfig, migrateAll } from '@onegate/server';
import { openStore } from '@onegate/store';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations of every package, then exit')
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        const results = await migrateAll(store);
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ database: store.dialect, results })}\n`);
          return;
        }
        for (const r of results) {
          const what = r.applied.length > 0 ? `applied ${r.applied.join(', ')}` : 'up to date';
          process.stdout.write(`${r.owner}: ${what} (version ${r.current})\n`);
        }
        process.stdout.write(`database (${store.dialect}) is up to date\n`);
      } finally {
        await store.close();
      }
    });
}
