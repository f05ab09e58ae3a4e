/** Longer return paths are refused: they ride in the login cookie. */
const MAX_LENGTH = 2048;

/**
 * Where to send the browser after sign-in: a path on this app only. Absolute
 * URLs, protocol-relative `//host`, `/\host` (read as `//host` by browsers) and
 * control characters all become `/`, so `returnTo` is no open redirect.
 */
export function safeReturnTo(value: string | null | undefined): string {
  if (!value || value.length > MAX_LENGTH || !value.startsWith('/')) return '/';
  if (value.startsWith('//') || value.startsWith('/\\')) return '/';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return '/';
  const base = 'http://app.invalid';
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return '/';
  }
  if (url.origin !== base) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
