import { describe, expect, it } from 'vitest';
import { validateClientInput } from '../src/clients/client-input.ts';

const APP = { name: 'Pension portal', redirectUris: ['https://pension.example.gov.cn/callback'] };

/** The refusal message for this back-channel logout URI, or 'accepted'. */
function outcome(uri: string, options: { development?: boolean; allowedHosts?: string[] } = {}): string {
  try {
    validateClientInput(
      { ...APP, backchannelLogoutUri: uri },
      options.development ?? false,
      undefined,
      options.allowedHosts ?? [],
    );
    return 'accepted';
  } catch (err) {
    expect((err as { code?: string }).code).toBe('ERR_CLIENT_INVALID');
    return (err as Error).message;
  }
}

const SPECIAL_USE = /^back-channel logout URI must not name a loopback, private or other special-use address/;

/** OneGate POSTs logout tokens to this URI itself: an app must not aim it inside the network (ASVS 1.3.6). */
describe('a back-channel logout URI', () => {
  it('is refused when it names a special-use IPv4 address', () => {
    for (const uri of [
      'https://169.254.169.254/latest/meta-data/',
      'https://10.0.0.1:6379/',
      'https://0.0.0.0/',
      'https://100.64.0.1/',
      'https://127.0.0.1/logout',
      'https://172.16.0.1/',
      'https://172.31.255.254/',
      'https://192.0.0.8/',
      'https://192.168.1.1/',
      'https://198.18.0.1/',
      'https://224.0.0.1/',
      'https://240.0.0.1/',
      'https://255.255.255.255/',
    ]) {
      expect(outcome(uri), uri).toMatch(SPECIAL_USE);
    }
  });

  it('is refused when the address is spelled in decimal, hex, octal or short form', () => {
    // The WHATWG URL parser turns each of these into 169.254.169.254 or 127.0.0.1, and so would fetch.
    for (const uri of [
      'https://2852039166/',
      'https://0xA9FEA9FE/',
      'https://0251.0376.0251.0376/',
      'https://169.254.43518/',
      'https://0x7f.1/',
      'https://127.1/',
      'https://0/',
      'https://%31%32%37.0.0.1/',
    ]) {
      expect(outcome(uri), uri).toMatch(SPECIAL_USE);
    }
  });

  it('is refused when it names a special-use IPv6 address, IPv4-mapped ones included', () => {
    for (const uri of [
      'https://[::]/',
      'https://[::1]/',
      'https://[fc00::1]/',
      'https://[fd12:3456::1]/',
      'https://[fe80::1]/',
      'https://[ff02::1]/',
      'https://[::ffff:169.254.169.254]/',
      'https://[::ffff:a9fe:a9fe]/',
      'https://[0:0:0:0:0:ffff:7f00:1]/',
      'https://[::ffff:10.0.0.1]:6379/',
      'https://[64:ff9b::a9fe:a9fe]/',
    ]) {
      expect(outcome(uri), uri).toMatch(SPECIAL_USE);
    }
  });

  it('is refused when it names localhost, whatever its case, trailing dot or subdomain', () => {
    for (const uri of ['https://localhost/', 'https://LOCALHOST./', 'https://app.localhost/logout']) {
      expect(outcome(uri), uri).toMatch(SPECIAL_USE);
    }
  });

  it('is accepted when it names a public address or a host name', () => {
    for (const uri of [
      'https://pension.example.gov.cn/logout',
      'https://203.119.26.10/logout',
      'https://172.32.0.1/',
      'https://[2400:da00::6666]/logout',
      'https://[::ffff:8.8.8.8]/',
    ]) {
      expect(outcome(uri), uri).toBe('accepted');
    }
  });

  it('may name a private address or host the operator allowed, by host or by host and port', () => {
    expect(outcome('https://10.0.0.1:6379/', { allowedHosts: ['10.0.0.1'] })).toBe('accepted');
    expect(outcome('https://10.20.0.5:8443/logout', { allowedHosts: ['10.20.0.5:8443'] })).toBe('accepted');
    // Allowed on that port only.
    expect(outcome('https://10.20.0.5:6379/', { allowedHosts: ['10.20.0.5:8443'] })).toMatch(SPECIAL_USE);
    // One allowed address opens no other.
    expect(outcome('https://169.254.169.254/', { allowedHosts: ['10.0.0.1'] })).toMatch(SPECIAL_USE);
  });

  it('must use https, even to an allowed host; http only to loopback in development', () => {
    const https = /^back-channel logout URI must use https/;
    expect(outcome('http://169.254.169.254/')).toMatch(https);
    expect(outcome('http://10.0.0.1:6379/', { allowedHosts: ['10.0.0.1'] })).toMatch(https);
    expect(outcome('http://10.0.0.1:6379/', { development: true, allowedHosts: ['10.0.0.1'] })).toMatch(
      https,
    );
    expect(outcome('http://127.0.0.1:8080/logout')).toMatch(https);
    expect(outcome('http://localhost:8080/logout')).toMatch(https);
    expect(outcome('http://127.0.0.1:8080/logout', { development: true })).toBe('accepted');
    expect(outcome('http://localhost:8080/logout', { development: true })).toBe('accepted');
    expect(outcome('http://[::1]:8080/logout', { development: true })).toBe('accepted');
  });

  it('may name loopback in development only, and no other special-use address there', () => {
    expect(outcome('https://127.0.0.1:8443/logout', { development: true })).toBe('accepted');
    expect(outcome('https://127.0.0.1:8443/logout')).toMatch(SPECIAL_USE);
    expect(outcome('https://169.254.169.254/', { development: true })).toMatch(SPECIAL_USE);
    expect(outcome('https://10.0.0.1:6379/', { development: true })).toMatch(SPECIAL_USE);
  });
});
