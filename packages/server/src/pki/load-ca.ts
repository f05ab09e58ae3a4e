import { createPrivateKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { ServerError } from '../errors.ts';
import { children, fromBinary, isContext, parseDer, primitive, readOid, type Node } from './asn1.ts';
import { keyIdentifier } from './key-identifier.ts';
import { OID } from './oids.ts';
import { parseCertificatePem } from './pem.ts';
import type { KeyAndCertificate } from './types.ts';

/** What issuing needs from a CA: its certificate, signing key, subject name (as encoded) and key identifier. */
export interface SigningCa {
  cert: X509Certificate;
  key: KeyObject;
  /** The CA's subject Name exactly as encoded in its certificate, so issuer/subject chaining matches byte for byte. */
  name: Node;
  keyId: Buffer;
}

export function loadSigningCa(ca: KeyAndCertificate): SigningCa {
  const cert = parseCertificatePem(ca.certPem, 'the CA certificate');
  if (!cert.ca)
    throw new ServerError('ERR_CERT_INVALID', 'the CA certificate is not a CA (basicConstraints CA:TRUE)');
  let key: KeyObject;
  try {
    key = createPrivateKey(ca.keyPem);
  } catch (cause) {
    throw new ServerError('ERR_CERT_INVALID', 'the CA key is not a PEM private key', { cause });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ServerError('ERR_CERT_INVALID', 'the CA key must be an ECDSA P-256 key');
  }
  if (!cert.checkPrivateKey(key)) {
    throw new ServerError('ERR_CERT_INVALID', 'the CA key does not belong to the CA certificate');
  }
  const tbs = children(children(parseDer(cert.raw))[0]);
  // TBSCertificate: [0] version?, serial, signature, issuer, validity, subject, spki, …, [3] extensions?
  const offset = isContext(tbs[0], 0) ? 1 : 0;
  const name = tbs[offset + 4];
  if (!name) throw new ServerError('ERR_CERT_INVALID', 'the CA certificate has no subject');
  const extensions = children(children(tbs.find((node) => isContext(node, 3)))[0]);
  return { cert, key, name, keyId: subjectKeyIdOf(extensions) ?? keyIdentifier(cert.publicKey) };
}

/** The keyIdentifier of a SubjectKeyIdentifier extension, so AKI matches whatever method the CA used. */
function subjectKeyIdOf(extensions: Node[]): Buffer | undefined {
  const ski = extensions.find((ext) => readOid(children(ext)[0]) === OID.subjectKeyIdentifier);
  const value = primitive(children(ski).at(-1));
  if (value === undefined) return undefined;
  const id = primitive(parseDer(fromBinary(value)));
  return id === undefined ? undefined : fromBinary(id);
}
