// OneGate passkey ceremonies, run by the login and account pages.
// Served from our own origin (CSP script-src 'self'); needs SimpleWebAuthnBrowser from /assets/webauthn.js.
(function () {
  'use strict';
  const webauthn = window.SimpleWebAuthnBrowser;

  async function post(url, csrf, body) {
    const res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error_description || 'request failed');
    return data;
  }

  function announce(element, message) {
    if (!element) return;
    element.textContent = message;
    element.hidden = false;
  }

  // Sign in with a passkey: the button, and the username field's autofill (conditional mediation).
  const signIn = document.getElementById('passkey-signin');
  if (signIn && webauthn && webauthn.browserSupportsWebAuthn()) {
    const { optionsUrl, verifyUrl, csrf } = signIn.dataset;
    const status = document.getElementById('passkey-status');
    const run = async (useBrowserAutofill) => {
      const optionsJSON = await post(optionsUrl, csrf, {});
      const response = await webauthn.startAuthentication({ optionsJSON, useBrowserAutofill });
      const result = await post(verifyUrl, csrf, { response });
      window.location.assign(result.redirect);
    };
    signIn.hidden = false;
    signIn.addEventListener('click', () => {
      webauthn.WebAuthnAbortService.cancelCeremony();
      run(false).catch((err) => announce(status, signIn.dataset.failed || err.message));
    });
    webauthn.browserSupportsWebAuthnAutofill().then((supported) => {
      // A failed or cancelled autofill is silent: the citizen can still type a password.
      if (supported) run(true).catch(() => undefined);
    });
  }

  // Add a passkey on the account page.
  const add = document.getElementById('passkey-add');
  if (add && webauthn && webauthn.browserSupportsWebAuthn()) {
    const { optionsUrl, verifyUrl, csrf } = add.dataset;
    const status = document.getElementById('passkey-status');
    add.hidden = false;
    add.addEventListener('click', () => {
      const name = document.getElementById('passkey-name');
      (async () => {
        const optionsJSON = await post(optionsUrl, csrf, {});
        const response = await webauthn.startRegistration({ optionsJSON });
        const result = await post(verifyUrl, csrf, { response, name: name ? name.value : '' });
        window.location.assign(result.redirect);
      })().catch((err) => announce(status, add.dataset.failed || err.message));
    });
  }
})();
