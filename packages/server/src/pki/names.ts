import { isIP } from 'node:net';
import forge from 'node-forge';
import { ServerError } from '../errors.ts';
import { implicitBytes, type Node } from './asn1.ts';
import { OID } from './oids.ts';

export interface NameAttribute {
  type: 'CN' | 'O';
  value: string;
}

const ATTRIBUTE_OID = { CN: OID.commonName, O: OID.organizationName } as const;

/** An X.501 Name, attributes in the order given (most significant first), values as UTF8String (RFC 5280 §4.1.2.6). */
export function distinguishedName(attributes: NameAttribute[]): Node {
  return forge.pki.distinguishedNameToAsn1({
    attributes: attributes.map((a) => ({
      type: ATTRIBUTE_OID[a.type],
      value: a.value,
      valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class,
    })),
  });
}

/** RFC 4514 string form: most specific attribute first, special characters escaped. */
export function distinguishedNameText(attributes: NameAttribute[]): string {
  return attributes
    .toReversed()
    .map((a) => `${a.type}=${escapeDnValue(a.value)}`)
    .join(',');
}

function escapeDnValue(value: string): string {
  return value
    .replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ');
}

export type Host = { kind: 'dns'; name: string } | { kind: 'ip'; address: string; bytes: Buffer };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * A DNS name (lower-cased; `*.` allowed as the first label when `wildcard`) or an IPv4/IPv6 address.
 * Throws ERR_CERT_INVALID naming the host otherwise.
 */
export function parseHost(host: string, options: { wildcard: boolean }): Host {
  if (isIP(host) && !host.includes('%')) return { kind: 'ip', address: host, bytes: ipBytes(host) };
  const name = host.toLowerCase().replace(/\.$/, '');
  const labels = name.split('.');
  const body = options.wildcard && labels[0] === '*' ? labels.slice(1) : labels;
  if (name.length > 253 || body.length === 0 || !body.every((l) => LABEL.test(l))) {
    throw new ServerError('ERR_CERT_INVALID', `"${host}" is neither a DNS name nor an IP address`);
  }
  return { kind: 'dns', name };
}

/** Network-order bytes of an address that `isIP` accepted (4 or 16 bytes; IPv4-in-IPv6 tails allowed). */
function ipBytes(address: string): Buffer {
  if (isIP(address) === 4) return Buffer.from(address.split('.').map(Number));
  const [head = '', tail] = address.split('::');
  const groups = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((g) => {
      if (!g.includes('.')) return [parseInt(g, 16)];
      const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = Buffer.alloc(16);
  all.forEach((g, i) => bytes.writeUInt16BE(g, i * 2));
  return bytes;
}

/** GeneralName for a SAN entry: dNSName [2] or iPAddress [7]. */
export function hostGeneralName(host: Host): Node {
  return host.kind === 'dns' ? implicitBytes(2, host.name) : implicitBytes(7, host.bytes);
}

/** GeneralName uniformResourceIdentifier [6] (IA5String, so ASCII only). */
export function uriGeneralName(uri: string): Node {
  if (!/^[\x21-\x7e]+$/.test(uri))
    throw new ServerError('ERR_CERT_INVALID', 'a URI name must be printable ASCII');
  return implicitBytes(6, uri);
}

/**
 * GeneralName for a name-constraints subtree: a DNS name permits itself and its subdomains;
 * an address (or CIDR `a.b.c.d/n`) becomes iPAddress with address and mask bytes (RFC 5280 §4.2.1.10).
 */
export function permittedSubtreeName(entry: string): Node {
  const [address, prefix, ...rest] = entry.split('/');
  if (prefix === undefined) {
    const host = parseHost(entry, { wildcard: false });
    return host.kind === 'dns'
      ? implicitBytes(2, host.name)
      : implicitBytes(7, withMask(host.bytes, host.bytes.length * 8));
  }
  const bits = Number(prefix);
  if (rest.length > 0 || !address || !isIP(address) || !/^\d{1,3}$/.test(prefix)) {
    throw new ServerError('ERR_CERT_INVALID', `"${entry}" is not an address range (a.b.c.d/n)`);
  }
  const bytes = ipBytes(address);
  if (bits > bytes.length * 8)
    throw new ServerError('ERR_CERT_INVALID', `"${entry}" has a prefix that is too long`);
  return implicitBytes(7, withMask(bytes, bits));
}

function withMask(address: Buffer, bits: number): Buffer {
  const mask = Buffer.alloc(address.length);
  for (let i = 0; i < mask.length; i++)
    mask[i] = 0xff & (0xff << (8 - Math.min(8, Math.max(0, bits - i * 8))));
  const network = Buffer.from(address.map((b, i) => b & mask[i]!));
  return Buffer.concat([network, mask]);
}
