import { refuse } from '../context.ts';

/** A PKCS#12 file travels; its password is all that protects the key in it. */
export const MIN_P12_PASSWORD_LENGTH = 12;
/** More is not a password, and is not read into memory. */
const MAX_STDIN_BYTES = 4096;

/**
 * The PKCS#12 password: the first line of standard input, without its line
 * end. Refused from a terminal, where typing it would echo it, and when
 * empty or shorter than 12 characters. Call before anything is written.
 */
export async function readP12Password(): Promise<string> {
  if (process.stdin.isTTY) {
    refuse(
      '--p12 reads its password from a pipe, e.g. printf \'%s\\n\' "$P12_PASSWORD" | onegate certs issue --client … --p12',
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_STDIN_BYTES)
      refuse(`standard input is longer than ${MAX_STDIN_BYTES} bytes: not a password`);
    chunks.push(chunk);
  }
  const password = Buffer.concat(chunks).toString('utf8').split(/\r?\n/, 1)[0] ?? '';
  if (password === '') {
    refuse('--p12 needs a password on the first line of standard input; it was empty (nothing was issued)');
  }
  if ([...password].length < MIN_P12_PASSWORD_LENGTH) {
    refuse(
      `the PKCS#12 password must have at least ${MIN_P12_PASSWORD_LENGTH} characters (nothing was issued)`,
    );
  }
  return password;
}
