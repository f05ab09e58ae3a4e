const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes unpadded base64url strictly: Node's decoder skips stray characters
 * and ignores trailing bits, so two texts could otherwise decode to the same
 * bytes. Returns `undefined` for anything that is not the canonical encoding.
 */
export function decodeBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}
