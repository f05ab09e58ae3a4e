import type Provider from 'oidc-provider';
import { describe, expect, it } from 'vitest';
import { cacheClients } from '../src/provider/client-cache.ts';

/** A provider whose `Client.find` loads through a registry, as the store adapter does, and counts its builds. */
function setup() {
  const entries = new Map<string, object>();
  let builds = 0;
  let duringFind: (() => void) | undefined;
  const Client = {
    find: async (id: string) => {
      await Promise.resolve();
      // The adapter's read: the registry loads the entry when it has none.
      if (!entries.has(id)) entries.set(id, { id });
      const entry = entries.get(id)!;
      duringFind?.();
      builds++;
      return { clientId: id, builtFrom: entry };
    },
  };
  const provider = { Client } as unknown as Provider;
  cacheClients(provider, { loadedMetadata: (id) => entries.get(id) });
  const find = (id: string) => provider.Client.find(id) as unknown as Promise<{ builtFrom: object }>;
  return {
    find,
    entries,
    builds: () => builds,
    onFind: (hook: (() => void) | undefined) => (duringFind = hook),
  };
}

describe('the client cache in front of oidc-provider', () => {
  it('builds a client on its first two uses and then serves the kept one', async () => {
    const t = setup();
    await t.find('app');
    await t.find('app');
    const kept = await t.find('app');
    await t.find('app');
    expect(t.builds()).toBe(2);
    expect(kept.builtFrom).toBe(t.entries.get('app'));
  });

  it('builds again once the registry changed the client', async () => {
    const t = setup();
    for (let i = 0; i < 3; i++) await t.find('app');
    const changed = { id: 'app', secret: 'rotated' };
    t.entries.set('app', changed);
    expect((await t.find('app')).builtFrom).toBe(changed);
    expect(t.builds()).toBe(3);
  });

  it('never keeps a build whose metadata changed while it was being built', async () => {
    const t = setup();
    await t.find('app');
    // The change lands between the adapter's read and the end of the build.
    t.onFind(() => t.entries.set('app', { id: 'app', disabled: 'soon' }));
    await t.find('app');
    t.onFind(undefined);
    const next = await t.find('app');
    expect(next.builtFrom).toBe(t.entries.get('app'));
    expect(t.builds()).toBe(3);
  });

  it('keeps nothing for a client the registry does not hold, such as an unknown id', async () => {
    let lookups = 0;
    const Client = {
      find: async () => {
        lookups++;
        return undefined;
      },
    };
    const provider = { Client } as unknown as Provider;
    cacheClients(provider, { loadedMetadata: () => undefined });
    for (let i = 0; i < 3; i++) expect(await provider.Client.find('nobody')).toBeUndefined();
    expect(lookups).toBe(3);
  });
});
