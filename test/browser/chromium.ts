/**
 * Debian's Chromium, never a downloaded browser; the flags keep it from
 * reaching for the network this machine does not have.
 */
export const CHROMIUM = process.env['ONEGATE_TEST_CHROMIUM'] ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
