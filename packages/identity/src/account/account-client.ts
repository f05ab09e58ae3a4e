import type { ClientMetadata } from 'oidc-provider';

export const ACCOUNT_CLIENT_ID = 'onegate-account';

/**
 * The account page signs citizens in through OneGate itself, like any app,
 * as a built-in first-party client. It reads the resulting OneGate session
 * directly (same origin), so the code it receives is never redeemed.
 */
export function accountClient(issuer: string): ClientMetadata {
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: 'OneGate',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${issuer}/account/callback`],
    post_logout_redirect_uris: [`${issuer}/account`],
    scope: 'openid',
    subject_type: 'public',
    id_token_signed_response_alg: 'ES256',
    'urn:onegate:first_party': true,
    'urn:onegate:department': null,
  };
}
