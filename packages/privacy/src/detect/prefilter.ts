/**
 * Whether `detectText` could find anything in a text, after folding
 * full-width forms: every kind it knows needs an `@` (e-mail), a run of four
 * digits (resident IDs, mobiles in any grouping, cards) or a run of 18
 * upper-case letters and digits (credit codes). One pass, no allocation, so
 * that the common text holding none of these (`request`, `/healthz`, `GET`,
 * an IP address, a UUID) costs next to nothing to redact.
 *
 * `false` means there is certainly nothing to find; `true` only that the
 * detector must look (test/detect-prefilter.test.ts checks the first
 * against the detector on random text).
 */
export function mayHoldPersonalData(text: string): boolean {
  let digits = 0;
  let alnum = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    // Full-width ASCII (U+FF01–FF5E) as the detector reads it.
    if (c >= 0xff01 && c <= 0xff5e) c -= 0xfee0;
    if (c >= 0x30 && c <= 0x39) {
      if (++digits === 4) return true;
      alnum++;
    } else {
      digits = 0;
      if (c === 0x40) return true;
      alnum = c >= 0x41 && c <= 0x5a ? alnum + 1 : 0;
    }
    if (alnum === 18) return true;
  }
  return false;
}
