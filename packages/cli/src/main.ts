import { Command } from 'commander';
import { registerAudit } from './commands/audit.ts';
import { registerCerts } from './commands/certs.ts';
import { registerClient } from './commands/client.ts';
import { registerInit } from './commands/init.ts';
import { registerKeys } from './commands/keys.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerPolicy } from './commands/policy.ts';
import { registerPrivacy } from './commands/privacy.ts';
import { registerSecondFactor } from './commands/second-factor.ts';
import { registerServe } from './commands/serve.ts';
import { registerUser } from './commands/user.ts';
import { fail } from './fail.ts';
import { version } from './version.ts';

// One register function per command group; later capabilities add theirs here.
const program = new Command('onegate')
  .description('OneGate: sign-in, authorization, personal-data protection and audit for digital government')
  .version(version, '-v, --version')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

registerServe(program);
registerMigrate(program);
registerInit(program);
registerClient(program);
registerUser(program);
registerSecondFactor(program);
registerKeys(program);
registerPolicy(program);
registerPrivacy(program);
registerAudit(program);
registerCerts(program);

program.parseAsync(process.argv).catch(fail);
