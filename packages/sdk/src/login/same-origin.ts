import type { LoginRequest } from './http.ts';

/**
 * CSRF check for the logout POST: the browser must say the request comes from
 * the app's own pages. `Sec-Fetch-Site` is sent by every current browser and
 * is not affected by Referrer-Policy; without it, `Origin` must be the app's
 * origin. A request with neither is refused: browsers always send one of them
 * on a POST, so only a non-browser client lacks both.
 */
export function isSameOrigin(req: LoginRequest, appOrigin: string): boolean {
  const site = req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = req.header('origin');
  return origin !== undefined && origin === appOrigin;
}
