/**
 * `pnpm demo`: OneGate and two government apps on this machine, with demo
 * accounts whose generated passwords are printed here, on this console, and
 * nowhere else (never through a logger, never to a file). Ctrl-C stops
 * everything and deletes the run's data.
 */
import { createInterface } from 'node:readline';
import { DEFAULT_PORTS, startDemo, type Demo } from './demo.ts';
import { refuseProduction } from './guard.ts';
import { totpCode } from './totp-code.ts';

try {
  refuseProduction();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

let demo: Demo;
try {
  demo = await startDemo();
} catch (err) {
  const code = (err as { code?: unknown }).code;
  console.error(
    code === 'EADDRINUSE'
      ? `The demo needs ports ${Object.values(DEFAULT_PORTS).join(', ')} on localhost; one of them is in use.`
      : `The demo could not start: ${(err as Error).message}`,
  );
  process.exit(1);
}

const { urls, credentials } = demo;
const { citizen, staff } = credentials;
console.log(`
  OneGate demo · DEMO ONLY, not a real government service
  ───────────────────────────────────────────────────────
  OneGate                 ${urls.onegate}   (your account page: ${urls.account})
  Social Security         ${urls.socialSecurity}   citizen-facing app (Koa + @onegate/sdk)
  Civil Affairs Records   ${urls.civilAffairs}   staff-facing app (Express + @onegate/sdk)

  Demo accounts, made for this run (shown here only):
    citizen               username ${citizen.username}   password ${citizen.password}
    civil-affairs clerk   username ${staff.username}     password ${staff.password}
                          then the code of an authenticator app set up with the key
                            ${staff.totpSecret}
                            (${staff.otpauthUri})
                          or press Enter here to print the current code.

  Seeing an ID number in full is a decrypt of personal data, which OneGate allows only
  after a strong sign-in (level "substantial", its default ONEGATE_PRIVACY_DECRYPT_MIN_ACR):
  the clerk has a second factor for that, as real staff would; nothing is relaxed for the demo.

  Try: sign in at Social Security as the citizen, then open Civil Affairs Records: no
  password asked (single sign-on). Sign out at one; reload the other: signed out too.
  As the clerk, open Civil Affairs Records, pick a record, state a purpose, see the audit log.

  Data (SQLite, development keys): ${demo.dataDir}, deleted when the demo stops.
  Ctrl-C to stop.
`);

const input = createInterface({ input: process.stdin });
input.on('line', () => console.log(`  clerk's authenticator code now: ${totpCode(staff.totpSecret)}`));

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  input.close();
  console.log('\n  Stopping the demo and deleting its data…');
  demo.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`  The demo did not stop cleanly: ${(err as Error).message}`);
      process.exit(1);
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
