import { randomInt } from 'node:crypto';
import type { RunningServer } from '@onegate/server';
import { totpCode } from '../totp-code.ts';
import { CIVIL_AFFAIRS } from './policy.ts';

export interface DemoPerson {
  /** OneGate's account id: the `sub` of apps registered with a public subject. */
  accountId: string;
  username: string;
  /** Generated for this run; printed on the demo console only. */
  password: string;
}

export interface DemoStaff extends DemoPerson {
  /** The authenticator app's secret (base32), and the same as an otpauth:// URI for a QR code. */
  totpSecret: string;
  otpauthUri: string;
}

export interface DemoAccounts {
  citizen: DemoPerson;
  staff: DemoStaff;
}

/**
 * A citizen (password only: sign-in level `low`) and a civil-affairs clerk
 * with an authenticator app, so that they sign in at `substantial`: the
 * level OneGate asks of anyone who decrypts personal data.
 */
export async function createDemoAccounts(server: RunningServer): Promise<DemoAccounts> {
  const { accounts, totp } = server.identity;
  const citizenPassword = generatedPassword();
  const citizen = await accounts.create({
    username: 'demo.citizen',
    password: citizenPassword,
    name: '李小红',
    idNumber: '330106198503120415',
  });
  const staffPassword = generatedPassword();
  const staff = await accounts.create({
    username: 'demo.clerk',
    password: staffPassword,
    name: '王芳',
    departments: [{ department: CIVIL_AFFAIRS, role: 'clerk' }],
  });
  const enrolment = await totp.begin(staff.id, { account: 'demo.clerk', issuer: 'OneGate demo' });
  // Activated with the previous step's code, as an app would have shown a moment ago: the current
  // code stays unused, so the clerk can sign in with it straight away.
  const activated = await totp.activate(staff.id, totpCode(enrolment.secretBase32, Date.now() - 30_000));
  if (!activated.ok) throw new Error('the demo could not set up the clerk’s authenticator app');
  return {
    citizen: { accountId: citizen.id, username: citizen.username, password: citizenPassword },
    staff: {
      accountId: staff.id,
      username: staff.username,
      password: staffPassword,
      totpSecret: enrolment.secretBase32,
      otpauthUri: enrolment.otpauthUri,
    },
  };
}

/** Letters and digits that cannot be misread (no 0/O, 1/l/I). */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Four groups of five random characters (about 115 bits): easy to type from the console, never guessed. */
function generatedPassword(): string {
  const group = () => Array.from({ length: 5 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return [group(), group(), group(), group()].join('-');
}
