/** Standard padded base64 (RFC 4648 §4), refusing every other spelling of the same bytes. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes, or `undefined` when `text` is not canonical base64 (wrong alphabet, padding or trailing bits). */
export function decodeStrictBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // Non-zero bits after the last byte decode the same as zero bits: refuse that second spelling.
  return bytes.toString('base64') === text ? bytes : undefined;
}
