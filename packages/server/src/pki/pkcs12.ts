import { createHash, createHmac, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { ServerError } from '../errors.ts';
import {
  der,
  integer,
  nullValue,
  octetString,
  oid,
  parseDer,
  sequence,
  set,
  tagged,
  toBinary,
  Type,
  type Node,
} from './asn1.ts';
import { OID } from './oids.ts';
import { parseCertificatePem, parseCertificatesPem } from './pem.ts';

// ASVS 11.4.4: the key is encrypted with PBES2 (PBKDF2-HMAC-SHA256 × 600,000, AES-256-CBC).
const KEY_ITERATIONS = 600_000;
// The MAC only proves integrity of the (public) certificates and the already-encrypted key.
const MAC_ITERATIONS = 10_000;

/**
 * A PKCS#12 (PFX, RFC 7292) file: the key as a pkcs8ShroudedKeyBag, cert bags for the certificate and
 * its chain, localKeyId linking key and certificate, and an HMAC-SHA-256 MAC.
 *
 * Assembled here rather than with forge's pkcs12.toPkcs12Asn1, which only takes RSA keys, always MACs
 * with HMAC-SHA-1 and derives localKeyId with SHA-1.
 */
export function exportPkcs12(options: {
  certPem: string;
  keyPem: string;
  chainPems: string[];
  password: string;
  friendlyName?: string;
}): Buffer {
  if (!options.password) throw new ServerError('ERR_CERT_INVALID', 'a PKCS#12 file needs a password');
  const cert = parseCertificatePem(options.certPem, 'the certificate');
  const chain = options.chainPems.flatMap((pem) => parseCertificatesPem(pem, 'a chain certificate'));
  let key: KeyObject;
  try {
    key = createPrivateKey(options.keyPem);
  } catch (cause) {
    throw new ServerError('ERR_CERT_INVALID', 'the key is not a PEM private key', { cause });
  }
  if (!cert.checkPrivateKey(key)) {
    throw new ServerError('ERR_CERT_INVALID', 'the key does not belong to the certificate');
  }

  const attributes = set([
    bagAttribute(OID.localKeyId, octetString(createHash('sha256').update(cert.raw).digest())),
    ...(options.friendlyName === undefined
      ? []
      : [bagAttribute(OID.friendlyName, bmpString(options.friendlyName))]),
  ]);
  const certBags = [cert.raw, ...chain.map((c) => c.raw)].map((raw, i) =>
    sequence([
      oid(OID.certBag),
      tagged(0, [sequence([oid(OID.x509Certificate), tagged(0, [octetString(raw)])])]),
      ...(i === 0 ? [attributes] : []),
    ]),
  );
  const keyBag = sequence([
    oid(OID.pkcs8ShroudedKeyBag),
    tagged(0, [encryptKey(key, options.password)]),
    attributes,
  ]);
  const authenticatedSafe = der(
    sequence([dataContentInfo(sequence(certBags)), dataContentInfo(sequence([keyBag]))]),
  );

  return der(
    sequence([
      integer(3),
      sequence([oid(OID.data), tagged(0, [octetString(authenticatedSafe)])]),
      macData(authenticatedSafe, options.password),
    ]),
  );
}

function encryptKey(key: KeyObject, password: string): Node {
  const pkcs8 = parseDer(key.export({ type: 'pkcs8', format: 'der' }));
  // forge hands PBKDF2 the password as bytes: give it UTF-8, as openssl does.
  return forge.pki.encryptPrivateKeyInfo(pkcs8, forge.util.encodeUtf8(password), {
    algorithm: 'aes256',
    prfAlgorithm: 'sha256',
    count: KEY_ITERATIONS,
    saltSize: 16,
  });
}

/** MacData with HMAC-SHA-256 keyed by the PKCS#12 KDF (RFC 7292 B.2, ID 3) over SHA-256. */
function macData(authenticatedSafe: Buffer, password: string): Node {
  const salt = randomBytes(16);
  const macKey = forge.pkcs12.generateKey(
    password,
    forge.util.createBuffer(toBinary(salt)),
    3,
    MAC_ITERATIONS,
    32,
    forge.md.sha256.create(),
  );
  const mac = createHmac('sha256', Buffer.from(macKey.getBytes(), 'binary'))
    .update(authenticatedSafe)
    .digest();
  return sequence([
    sequence([sequence([oid(OID.sha256), nullValue()]), octetString(mac)]),
    octetString(salt),
    integer(MAC_ITERATIONS),
  ]);
}

function dataContentInfo(safeContents: Node): Node {
  return sequence([oid(OID.data), tagged(0, [octetString(der(safeContents))])]);
}

function bagAttribute(id: string, value: Node): Node {
  return sequence([oid(id), set([value])]);
}

function bmpString(text: string): Node {
  // forge writes a BMPString's value as UTF-16 code units itself.
  return forge.asn1.create(forge.asn1.Class.UNIVERSAL, Type.BMPSTRING, false, text);
}
