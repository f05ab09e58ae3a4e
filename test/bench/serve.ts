/**
 * Child-process entry (see spawnServer): starts one server role, sends its
 * connection details to the parent, and stops cleanly on "stop" so a
 * `--cpu-prof` profile gets written.
 */
import { serveOneGateChecks } from './authz-http.ts';
import { serveBareSignIn } from './bare-sign-in.ts';
import { serveBareProvider, serveOneGateTokens } from './client-credentials.ts';
import { serveOneGateSignIn } from './password-sign-in.ts';
import { serveOneGateFields } from './privacy-http.ts';
import type { ServeMessage } from './harness.ts';

export interface Served {
  info: unknown;
  stop(): Promise<void>;
}

const roles: Record<string, () => Promise<Served>> = {
  'client-credentials:onegate': serveOneGateTokens,
  'client-credentials:bare': serveBareProvider,
  'password-sign-in:onegate': serveOneGateSignIn,
  'password-sign-in:bare': serveBareSignIn,
  'authz-http:onegate': serveOneGateChecks,
  'privacy-http:onegate': serveOneGateFields,
};

const role = process.argv[2] ?? '';
const start = roles[role];
if (!start || !process.send) {
  throw new Error(`serve.ts runs as a child process with a role: ${Object.keys(roles).join(', ')}`);
}
const send = (message: Partial<ServeMessage>) => process.send!(message);
const served = await start();
send({ ready: served.info });

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  served.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
};
process.on('message', (message) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({ cpu: user + system });
  } else if (message === 'stop') stop();
});
// A parent that dies without saying "stop" closes the channel: stop then too.
process.on('disconnect', stop);
