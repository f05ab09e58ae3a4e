import { verify, type X509Certificate } from 'node:crypto';
import { ServerError } from '../errors.ts';
import {
  children,
  fromBinary,
  firstElementBytes,
  isContext,
  isSequence,
  isTime,
  isUniversal,
  parseDer,
  primitive,
  readIntegerHex,
  readOid,
  readTime,
  Type,
  type Node,
} from './asn1.ts';
import { OID } from './oids.ts';
import { pemBlocks } from './pem.ts';
import { normalizeSerial } from './serial.ts';

export interface CrlContents {
  thisUpdate: Date;
  nextUpdate: Date | undefined;
  crlNumber: number | undefined;
  /** Revoked serial numbers, upper-case hex without leading zeros. */
  revoked: Set<string>;
}

/** A CRL parsed but not yet checked: what a signature check needs plus the contents. */
export interface ParsedCrl extends CrlContents {
  toBeSigned: Buffer;
  signatureAlgorithm: string;
  signature: Buffer;
}

/** Reads a PEM CRL and checks its signature against `issuer`; ERR_TLS_CONFIG if malformed or not signed by it. */
export function readCrl(pem: string, issuer: X509Certificate): CrlContents {
  const [der, ...more] = pemBlocks(pem, 'X509 CRL');
  if (!der || more.length > 0) throw new ServerError('ERR_TLS_CONFIG', 'expected exactly one PEM "X509 CRL"');
  const crl = parseCrl(der);
  if (!crlSignedBy(crl, issuer)) {
    throw new ServerError('ERR_TLS_CONFIG', 'the CRL signature does not verify against its CA certificate');
  }
  const { thisUpdate, nextUpdate, crlNumber, revoked } = crl;
  return { thisUpdate, nextUpdate, crlNumber, revoked };
}

// Signature algorithms accepted on CRLs of an operator's CA; SHA-1 ones are refused (ASVS 11.4.1).
const VERIFY: Record<string, { hash: string | null; ecdsa: boolean }> = {
  [OID.ecdsaWithSha256]: { hash: 'sha256', ecdsa: true },
  '1.2.840.10045.4.3.3': { hash: 'sha384', ecdsa: true },
  '1.2.840.10045.4.3.4': { hash: 'sha512', ecdsa: true },
  '1.2.840.113549.1.1.11': { hash: 'sha256', ecdsa: false },
  '1.2.840.113549.1.1.12': { hash: 'sha384', ecdsa: false },
  '1.2.840.113549.1.1.13': { hash: 'sha512', ecdsa: false },
  '1.3.101.112': { hash: null, ecdsa: false }, // Ed25519
};

export function crlSignedBy(crl: ParsedCrl, issuer: X509Certificate): boolean {
  const algorithm = VERIFY[crl.signatureAlgorithm];
  if (!algorithm) return false;
  try {
    const key = { key: issuer.publicKey, ...(algorithm.ecdsa ? { dsaEncoding: 'der' as const } : {}) };
    return verify(algorithm.hash, crl.toBeSigned, key, crl.signature);
  } catch {
    return false;
  }
}

const malformed = (why: string) => new ServerError('ERR_TLS_CONFIG', `the CRL is malformed: ${why}`);

/** Parses a DER CertificateList (RFC 5280 §5.1) without checking its signature. */
export function parseCrl(der: Buffer): ParsedCrl {
  try {
    return parseCertificateList(der);
  } catch (cause) {
    if (cause instanceof ServerError) throw cause;
    throw new ServerError('ERR_TLS_CONFIG', 'the CRL is malformed: it is not DER', { cause });
  }
}

function parseCertificateList(der: Buffer): ParsedCrl {
  const root = parseDer(der);
  const [tbs, outerAlgorithm, signatureBits, ...extra] = children(root);
  const toBeSigned = firstElementBytes(der);
  const bits = isUniversal(signatureBits, Type.BITSTRING) ? primitive(signatureBits) : undefined;
  if (!isSequence(root) || !isSequence(tbs) || extra.length > 0 || !toBeSigned || bits === undefined) {
    throw malformed('it is not a CertificateList');
  }
  const fields = children(tbs);
  let i = 0;
  if (isUniversal(fields[i], Type.INTEGER)) i++; // version, absent in v1
  const innerAlgorithm = readOid(children(fields[i++])[0]);
  const signatureAlgorithm = readOid(children(outerAlgorithm)[0]);
  if (!signatureAlgorithm || innerAlgorithm !== signatureAlgorithm)
    throw malformed('its signature algorithms differ');
  if (!isSequence(fields[i++])) throw malformed('it has no issuer');
  const thisUpdate = readTime(fields[i++]);
  if (!thisUpdate) throw malformed('it has no thisUpdate');
  const nextUpdate = isTime(fields[i]) ? readTime(fields[i++]) : undefined;
  const revoked = new Set<string>();
  if (isSequence(fields[i])) {
    for (const entry of children(fields[i++])) {
      const [serial, , entryExtensions] = children(entry);
      const hex = readIntegerHex(serial);
      if (!hex) throw malformed('a revoked entry has no serial number');
      refuseCriticalExtensions(children(entryExtensions), []);
      revoked.add(normalizeSerial(hex));
    }
  }
  let crlNumber: number | undefined;
  if (isContext(fields[i], 0)) {
    const extensions = children(children(fields[i++])[0]);
    refuseCriticalExtensions(extensions, [OID.authorityKeyIdentifier, OID.crlNumber]);
    const number = extensions.find((ext) => readOid(children(ext)[0]) === OID.crlNumber);
    const value = primitive(children(number).at(-1));
    const hex = value === undefined ? undefined : readIntegerHex(parseDer(fromBinary(value)));
    crlNumber = hex === undefined ? undefined : Number.parseInt(hex, 16);
  }
  if (i !== fields.length) throw malformed('it has unexpected fields');
  return {
    thisUpdate,
    nextUpdate,
    crlNumber,
    revoked,
    toBeSigned,
    signatureAlgorithm,
    signature: fromBinary(bits).subarray(1),
  };
}

/**
 * RFC 5280 §5.2/§5.3: a CRL with a critical extension we do not process (e.g. issuingDistributionPoint,
 * deltaCRLIndicator, certificateIssuer) must not be used as if we understood its scope.
 */
function refuseCriticalExtensions(extensions: Node[], understood: string[]): void {
  for (const ext of extensions) {
    const [id, critical] = children(ext);
    const isCritical = isUniversal(critical, Type.BOOLEAN) && primitive(critical) !== '\x00';
    if (isCritical && !understood.includes(readOid(id) ?? '')) {
      throw new ServerError('ERR_TLS_CONFIG', 'the CRL has a critical extension OneGate does not support');
    }
  }
}
