import { ServerError } from '../errors.ts';
import { enumerated, integer, integerFromBytes, sequence, tagged, time } from './asn1.ts';
import { authorityKeyIdentifier, extension } from './extensions.ts';
import { loadSigningCa } from './load-ca.ts';
import { OID } from './oids.ts';
import { toPem } from './pem.ts';
import { serialBytes } from './serial.ts';
import { ecdsaWithSha256, signStructure } from './sign.ts';
import type { KeyAndCertificate, Revocation, RevocationReason } from './types.ts';
import { wholeSeconds } from './validity.ts';

const REASON_CODE: Record<RevocationReason, number> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
};

/** A v2 CRL (RFC 5280 §5) signed ecdsa-with-SHA256 by the CA, with AKI and cRLNumber; PEM "X509 CRL". */
export function createCrl(
  ca: KeyAndCertificate,
  options: { revoked: Revocation[]; crlNumber: number; thisUpdate?: Date; nextUpdate: Date },
): string {
  const signer = loadSigningCa(ca);
  if (!Number.isSafeInteger(options.crlNumber) || options.crlNumber < 0) {
    throw new ServerError('ERR_CERT_INVALID', 'crlNumber must be a non-negative whole number');
  }
  const thisUpdate = wholeSeconds(options.thisUpdate ?? new Date());
  const nextUpdate = wholeSeconds(options.nextUpdate);
  if (!(nextUpdate > thisUpdate))
    throw new ServerError('ERR_CERT_INVALID', 'nextUpdate must be after thisUpdate');
  const entries = options.revoked.map((r) => {
    // RFC 5280 §5.3.1: reasonCode unspecified SHOULD be absent.
    const reason = r.reason && r.reason !== 'unspecified' ? REASON_CODE[r.reason] : undefined;
    return sequence([
      integerFromBytes(serialBytes(r.serial)),
      time(wholeSeconds(r.revokedAt)),
      ...(reason === undefined ? [] : [sequence([extension(OID.crlReason, false, enumerated(reason))])]),
    ]);
  });
  const tbs = sequence([
    integer(1), // v2
    ecdsaWithSha256(),
    signer.name,
    time(thisUpdate),
    time(nextUpdate),
    // revokedCertificates is absent, not empty, when there are none (RFC 5280 §5.1.2.6).
    ...(entries.length > 0 ? [sequence(entries)] : []),
    tagged(0, [
      sequence([
        authorityKeyIdentifier(signer.keyId),
        extension(OID.crlNumber, false, integer(options.crlNumber)),
      ]),
    ]),
  ]);
  return toPem('X509 CRL', signStructure(tbs, signer.key));
}
