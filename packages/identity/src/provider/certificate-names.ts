import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

/** One attribute of a distinguished name: a lower-case type name (or dotted OID) and its value. */
interface Attribute {
  type: string;
  value: string;
}

/** A relative distinguished name: usually one attribute, several when multi-valued (`O=a+OU=b`). */
type Rdn = Attribute[];

/** RFC 4514 names and OpenSSL's short names for the same attribute types. */
const TYPE_ALIASES: Record<string, string> = {
  '2.5.4.3': 'cn',
  '2.5.4.5': 'serialnumber',
  '2.5.4.6': 'c',
  '2.5.4.7': 'l',
  '2.5.4.8': 'st',
  '2.5.4.9': 'street',
  '2.5.4.10': 'o',
  '2.5.4.11': 'ou',
  '2.5.4.97': 'organizationidentifier',
  '0.9.2342.19200300.100.1.1': 'uid',
  '0.9.2342.19200300.100.1.25': 'dc',
  '1.2.840.113549.1.9.1': 'emailaddress',
  e: 'emailaddress',
  email: 'emailaddress',
};

const TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/;

/**
 * Parses an RFC 4514 string (`CN=og_abc,O=OneGate service clients`) into RDNs in
 * the order written. Escapes (`\,`, `\+`, `\"`, `\\`, `\2C`) are undone; hex-encoded
 * BER values (`CN=#04…`) are refused. Returns undefined when the text is not a DN.
 */
export function parseDistinguishedName(text: string, separators = ',;'): Rdn[] | undefined {
  const rdns: Rdn[] = [];
  let rdn: Rdn = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && text[i] === ' ') i++;
    const eq = text.indexOf('=', i);
    if (eq < 0) return undefined;
    const rawType = text.slice(i, eq).trim();
    if (!TYPE.test(rawType)) return undefined;
    i = eq + 1;
    if (text[i] === '#') return undefined;
    let value = '';
    let trailingSpaces = 0;
    let started = false;
    let end: string | undefined;
    while (i < n) {
      const c = text[i]!;
      if (c === '\\') {
        const hex = /^[0-9A-Fa-f]{2}/.exec(text.slice(i + 1, i + 3));
        if (hex) {
          // A run of \XX pairs is one UTF-8 sequence.
          const bytes: number[] = [];
          while (text[i] === '\\' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
            bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
            i += 3;
          }
          value += Buffer.from(bytes).toString('utf8');
        } else {
          if (i + 1 >= n) return undefined;
          value += text[i + 1];
          i += 2;
        }
        started = true;
        trailingSpaces = 0;
        continue;
      }
      if (separators.includes(c) || c === '+') {
        end = c;
        i++;
        break;
      }
      if (c === ' ' && !started) {
        i++;
        continue;
      }
      value += c;
      started = true;
      trailingSpaces = c === ' ' ? trailingSpaces + 1 : 0;
      i++;
    }
    // Unescaped spaces at the end of a value are not part of it (an escaped one was counted out above).
    if (trailingSpaces > 0) value = value.slice(0, -trailingSpaces);
    const lower = rawType.toLowerCase();
    rdn.push({ type: TYPE_ALIASES[lower] ?? lower, value });
    if (end !== '+') {
      rdns.push(rdn);
      rdn = [];
    } else if (i >= n) {
      return undefined;
    }
  }
  if (rdn.length > 0) rdns.push(rdn);
  return rdns.length > 0 ? rdns : undefined;
}

/**
 * The certificate's subject as RDNs in certificate order. Node prints one RDN per
 * line, multi-valued ones joined by ` + `, values escaped as in RFC 2253.
 */
export function certificateSubject(cert: X509Certificate): Rdn[] | undefined {
  return parseDistinguishedName(cert.subject, '\n');
}

/**
 * RFC 8705 `tls_client_auth_subject_dn`: the registered DN (RFC 4514, most specific
 * RDN first) equals the certificate's subject, attribute by attribute. Types are
 * compared case-insensitively, values exactly; the certificate's own order (least
 * specific first) is accepted too, as operators copy either form.
 */
export function subjectMatches(cert: X509Certificate, expected: string): boolean {
  const want = parseDistinguishedName(expected);
  const have = certificateSubject(cert);
  if (!want || !have || want.length !== have.length) return false;
  const reversed = [...want].reverse();
  return sameRdns(reversed, have) || sameRdns(want, have);
}

function sameRdns(a: Rdn[], b: Rdn[]): boolean {
  return a.every((rdn, i) => sameRdn(rdn, b[i]!));
}

function sameRdn(a: Rdn, b: Rdn): boolean {
  if (a.length !== b.length) return false;
  const key = (attr: Attribute) => `${attr.type}=${attr.value}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.every((v, i) => v === right[i]);
}

export type SanType = 'DNS' | 'URI' | 'email' | 'IP Address';

/**
 * The certificate's subjectAltName entries. Node joins them with `, ` and writes a
 * value holding a comma, quote, backslash or control character as a JSON string
 * (`URI:"http://a/b\u002cc"`), so no value can pose as another entry. Anything
 * unexpected yields no entries at all: a name that cannot be read does not match.
 */
export function subjectAltNames(cert: X509Certificate): Array<{ type: string; value: string }> {
  const text = cert.subjectAltName;
  if (!text) return [];
  const entries: Array<{ type: string; value: string }> = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) return [];
    const type = text.slice(i, colon);
    i = colon + 1;
    let value: string;
    if (text[i] === '"') {
      const close = closingQuote(text, i);
      if (close < 0) return [];
      try {
        value = JSON.parse(text.slice(i, close + 1)) as string;
      } catch {
        return [];
      }
      i = close + 1;
    } else {
      const comma = text.indexOf(', ', i);
      const stop = comma < 0 ? text.length : comma;
      value = text.slice(i, stop);
      i = stop;
    }
    entries.push({ type, value });
    if (i < text.length) {
      if (!text.startsWith(', ', i)) return [];
      i += 2;
    }
  }
  return entries;
}

function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** RFC 8705 `tls_client_auth_san_*`: some SAN entry of that type equals the registered value. */
export function sanMatches(cert: X509Certificate, type: SanType, expected: string): boolean {
  const wanted = normalise(type, expected);
  if (wanted === undefined) return false;
  return subjectAltNames(cert).some(
    (entry) => entry.type === type && normalise(type, entry.value) === wanted,
  );
}

function normalise(type: SanType, value: string): string | undefined {
  if (type === 'DNS') return value.toLowerCase();
  if (type === 'IP Address') return canonicalIp(value);
  return value;
}

/** One spelling per address: Node prints IPv6 SANs uncompressed and upper-case (`2001:DB8:0:…`). */
export function canonicalIp(value: string): string | undefined {
  const version = isIP(value);
  if (version === 0) return undefined;
  if (version === 4) return new URL(`http://${value}/`).hostname;
  return new URL(`http://[${value}]/`).hostname.slice(1, -1);
}
