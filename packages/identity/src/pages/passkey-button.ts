import { html, type SafeHtml } from './html.ts';
import type { Messages } from './messages.ts';

/**
 * The button that starts a passkey ceremony, hidden until /assets/passkeys.js
 * finds WebAuthn support, and the status line it announces failures in.
 */
export function passkeyButton(options: {
  id: 'passkey-signin' | 'passkey-add';
  label: string;
  failed: string;
  optionsUrl: string;
  verifyUrl: string;
  csrfToken: string;
  secondary?: boolean;
}): SafeHtml {
  return html`<button
      type="button"
      id="${options.id}"
      class="button${options.secondary ? ' button-secondary' : ''}"
      hidden
      data-options-url="${options.optionsUrl}"
      data-verify-url="${options.verifyUrl}"
      data-csrf="${options.csrfToken}"
      data-failed="${options.failed}"
    >
      ${options.label}
    </button>
    <p id="passkey-status" class="notice notice-error" role="alert" hidden></p>`;
}

export const PASSKEY_SCRIPTS = ['/assets/webauthn.js', '/assets/passkeys.js'] as const;

/** "Sign in with a passkey", as the login and second-step pages offer it. */
export function passkeySignIn(
  t: Messages,
  urls: { optionsUrl: string; verifyUrl: string },
  csrfToken: string,
): SafeHtml {
  return html`<div class="passkey">
    ${passkeyButton({
      id: 'passkey-signin',
      label: t.passkeySignIn,
      failed: t.passkeyFailed,
      optionsUrl: urls.optionsUrl,
      verifyUrl: urls.verifyUrl,
      csrfToken,
      secondary: true,
    })}
  </div>`;
}
