import type { Command } from 'commander';
import { createLogger, exitOnSignals, loadConfig, startServer } from '@onegate/server';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run OneGate: apply migrations, then serve HTTP until SIGTERM')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config);
      const running = await startServer(config, { logger });
      exitOnSignals(running, logger);
    });
}
