import { describe, expect, it } from 'vitest';
import { ClientAuthLimits } from '../src/provider/client-auth-limits.ts';
import { IdentityError } from '../src/errors.ts';

function limits(options: ConstructorParameters<typeof ClientAuthLimits>[0]) {
  let now = 1_000_000;
  const clock = {
    limits: new ClientAuthLimits(options, () => now),
    advance: (ms: number) => {
      now += ms;
    },
  };
  return clock;
}

describe('client authentication limits', () => {
  it('refuses a client once it has had its failures, until its window ends', () => {
    const { limits: l, advance } = limits({
      failuresPerClient: 2,
      failuresPerAddress: 100,
      windowSeconds: 60,
    });
    l.recordFailure('app', '192.0.2.1');
    advance(10_000);
    expect(l.check('app', '192.0.2.1')).toBeUndefined();
    l.recordFailure('app', '192.0.2.1');
    // From any address: the client is what is blocked.
    expect(l.check('app', '198.51.100.7')).toEqual({ limit: 'client', retryAfterSeconds: 50, first: true });
    expect(l.check('app', '198.51.100.7')).toMatchObject({ first: false });
    expect(l.check('other-app', '192.0.2.1')).toBeUndefined();
    advance(50_000);
    expect(l.check('app', '192.0.2.1')).toBeUndefined();
  });

  it('blocks an address failing across clients, IPv6 by its /64, but never a made-up client id', () => {
    const { limits: l } = limits({ failuresPerClient: 1, failuresPerAddress: 3, windowSeconds: 60 });
    l.recordFailure(undefined, '2001:db8:1:2::1');
    l.recordFailure(undefined, '2001:db8:1:2::ffff');
    expect(l.check('og_unknown', '2001:db8:1:2::9')).toBeUndefined();
    l.recordFailure(undefined, '2001:db8:1:2:aaaa::');
    expect(l.check('anything', '2001:db8:1:2::9')).toMatchObject({ limit: 'address', first: true });
    expect(l.check('anything', '2001:db8:1:3::9')).toBeUndefined();
  });

  it('refuses settings that would switch it off', () => {
    expect(() => new ClientAuthLimits({ failuresPerClient: 0 })).toThrow(IdentityError);
    expect(() => new ClientAuthLimits({ windowSeconds: 1.5 })).toThrow(IdentityError);
  });
});
