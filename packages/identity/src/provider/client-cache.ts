import type Provider from 'oidc-provider';

type Client = NonNullable<Awaited<ReturnType<Provider['Client']['find']>>>;

/** Built clients kept per id; past this many the cache starts over, as the registry's does. */
const LIMIT = 5000;

/**
 * Keeps each registered app's oidc-provider `Client` for as long as its
 * metadata in the registry is unchanged. oidc-provider on its own fetches the
 * metadata from the adapter on every request and hashes its JSON to find the
 * built client in an LRU of 100: a copy, a serialization and a SHA-256 per
 * token request, and a rebuild (schema checks and all) whenever more than
 * 100 apps take turns.
 *
 * A client is kept only when the registry's entry was the same object before
 * and after it was built (so the first request after a load builds it, the
 * second keeps it): a change (secret rotated, client disabled) made
 * meanwhile, here or on another instance through the change feed, replaces
 * the entry, so a stale build is never kept or served.
 */
export function cacheClients(
  provider: Provider,
  registry: { loadedMetadata(clientId: string): object | undefined },
): void {
  const Client = provider.Client;
  const find = Client.find.bind(Client);
  const built = new Map<string, { entry: object; client: Client }>();
  Client.find = async (id: string) => {
    const entry = typeof id === 'string' ? registry.loadedMetadata(id) : undefined;
    const kept = entry === undefined ? undefined : built.get(id);
    if (kept !== undefined && kept.entry === entry) return kept.client;
    const client = await find(id);
    // Entries are never reused, so one there before and after is the one the adapter read.
    if (client !== undefined && entry !== undefined && registry.loadedMetadata(id) === entry) {
      if (built.size >= LIMIT) built.clear();
      built.set(id, { entry, client });
    }
    return client;
  };
}
