import type { ClientMetadata } from 'oidc-provider';

export const CONSOLE_CLIENT_ID = 'onegate-console';
export const CONSOLE_PATH = '/console';

/**
 * The officer console signs officers in through OneGate itself, as a built-in
 * first-party client beside the account page's. Like the account page it
 * reads the OneGate session directly (same origin): the code is never redeemed.
 */
export function consoleClient(issuer: string): ClientMetadata {
  return {
    client_id: CONSOLE_CLIENT_ID,
    client_name: 'OneGate console',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${issuer}${CONSOLE_PATH}/callback`],
    post_logout_redirect_uris: [`${issuer}${CONSOLE_PATH}`],
    scope: 'openid',
    subject_type: 'public',
    id_token_signed_response_alg: 'ES256',
    'urn:onegate:first_party': true,
    'urn:onegate:department': null,
  };
}
