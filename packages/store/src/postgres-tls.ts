import { isIP } from 'node:net';

/** sslmode values that leave TLS off, optional, or without a checked certificate or host name. */
const WEAK_MODES = new Set(['allow', 'prefer', 'require', 'verify-ca', 'no-verify']);

/**
 * Why a PostgreSQL URL, as `pg` 8 reads it, would let the connection be read
 * or impersonated on the network; undefined when it would not. Only
 * `sslmode=verify-full` is enough: TLS or no connection, the server's chain
 * checked against `sslrootcert` (else Node's CAs) and its name against the
 * host. pg 8 still takes prefer, require and verify-ca as verify-full, but
 * with `uselibpqcompat=true`, and in pg 9, they mean what libpq means: no
 * certificate check (prefer, require) or no name check (verify-ca); allow and
 * prefer let libpq fall back to plain text. A loopback host or a Unix socket
 * needs no TLS: nothing leaves the machine. Parameters are read as pg reads
 * them: the last of a repeated one wins, `host=` overrides the URL's host.
 */
export function postgresTlsProblem(url: string): string | undefined {
  const parsed = parse(url);
  if (!parsed) return 'its TLS settings cannot be read: it is not a URL';
  const last = (name: string) => parsed.url.searchParams.getAll(name).at(-1);
  const sslmode = last('sslmode');
  if (sslmode === 'verify-full') return undefined;
  if (isLocal(last('host') || parsed.host)) return undefined;
  if (sslmode === undefined) return 'TLS is off (no sslmode): add sslmode=verify-full';
  if (sslmode === 'disable') return 'sslmode=disable turns TLS off: use sslmode=verify-full';
  if (WEAK_MODES.has(sslmode)) {
    return `sslmode=${sslmode} does not insist on TLS with the server's certificate and name verified: use sslmode=verify-full`;
  }
  return 'sslmode is not verify-full';
}

/** As pg-connection-string parses: spaces and stray `%` encoded, and an empty host (`user@/db`) allowed. */
function parse(text: string): { url: URL; host: string } | undefined {
  const encoded = / |%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(text)
    ? encodeURI(text).replace(/%25(\d\d)/g, '%$1')
    : text;
  try {
    const url = new URL(encoded);
    return { url, host: safeDecode(url.hostname).replace(/^\[(.+)\]$/, '$1') };
  } catch {
    try {
      return { url: new URL(encoded.replace('@/', '@___DUMMY___/')), host: '' };
    } catch {
      return undefined;
    }
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A Unix socket folder, `localhost`, 127.0.0.0/8 or ::1. */
function isLocal(host: string): boolean {
  if (host.startsWith('/')) return true;
  if (host.toLowerCase() === 'localhost') return true;
  switch (isIP(host)) {
    case 4:
      return host.startsWith('127.');
    case 6:
      return new URL(`http://[${host}]`).hostname === '[::1]';
    default:
      return false;
  }
}
