import { describe, expect, it } from 'vitest';
import { accountRoutes, isAccountPath } from '../src/account/account-routes.ts';
import { interactionRoutes, isPagePath } from '../src/interactions/interaction-routes.ts';

// Requests whose path is not a router's own skip it (the token endpoint carries the load):
// a route added outside the scope would never be reached, so every route must lie inside.
describe('the paths the identity routers answer', () => {
  const pathsOf = (router: { stack: Array<{ path: string | RegExp }> }) =>
    router.stack.map((layer) => String(layer.path));

  it('lie inside isPagePath for the sign-in pages and their assets', () => {
    const paths = pathsOf(interactionRoutes({} as never));
    expect(paths.length).toBeGreaterThan(5);
    for (const path of paths) expect(isPagePath(path.replace(':uid', 'u1')), path).toBe(true);
  });

  it('lie inside isAccountPath for the account pages', () => {
    const paths = pathsOf(accountRoutes({} as never));
    expect(paths.length).toBeGreaterThan(5);
    for (const path of paths) expect(isAccountPath(path), path).toBe(true);
  });

  it('leave the provider endpoints outside both', () => {
    for (const path of [
      '/token',
      '/auth',
      '/me',
      '/jwks',
      '/session/end',
      '/.well-known/openid-configuration',
    ]) {
      expect(isPagePath(path) || isAccountPath(path), path).toBe(false);
    }
    expect(isAccountPath('/accounts-export')).toBe(false);
  });
});
