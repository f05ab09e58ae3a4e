import { mask } from '@onegate/privacy';
import type { Access } from './data-access-listing.ts';
import { appOf } from './data-access-rule.ts';

/** One access as the citizen reads it; the official is always masked. */
export interface AccessView {
  index: number;
  /** When it happened (the writer's time), ms since the epoch. */
  at: number;
  department: string | undefined;
  /** The app's registered name; its id only when it is no longer registered. */
  app: string | undefined;
  /** The official's name, masked (`王*`), when known. */
  officialName: string | undefined;
  /** The official's staff id, masked: `wang.***` from a username, and the last 4 of their id. */
  officialId: string;
  /** The app itself acted (a batch, an interface), not a person. */
  byApp: boolean;
  /** Which field or record: the last part of the resource (`id_number`), and the resource. */
  field: string | undefined;
  resource: string | undefined;
  purpose: string | undefined;
  outcome: 'success' | 'failure' | 'denied';
  action: string;
}

export interface ViewLookups {
  client: (clientId: string) => Promise<{ name: string; department?: string | null | undefined } | undefined>;
  account: (accountId: string) => Promise<{ username: string; name?: string | undefined } | undefined>;
}

export async function accessViews(accesses: readonly Access[], lookups: ViewLookups): Promise<AccessView[]> {
  const clients = memo(lookups.client);
  const accounts = memo(lookups.account);
  return Promise.all(
    accesses.map(async ({ index, event, appEvent }) => {
      const clientId = appOf(event);
      const client = clientId === undefined ? undefined : await clients(clientId);
      const byApp = event.actor.type === 'app' || event.actor.id === clientId;
      const official = byApp ? undefined : await accounts(event.actor.id);
      const name = official?.name ?? appEvent?.actor.name ?? event.actor.name;
      const resource = event.target?.resource ?? appEvent?.target?.resource;
      const field = stringOf(event.details?.['field']) ?? resource?.split('/').at(-1);
      return {
        index,
        at: Date.parse(event.time),
        department: event.actor.department ?? appEvent?.actor.department ?? client?.department ?? undefined,
        app: client?.name ?? clientId,
        officialName: name === undefined || name === '' ? undefined : mask('name', name),
        officialId: maskStaffId(event.actor.id, official?.username),
        byApp,
        field,
        resource,
        purpose: event.purpose ?? appEvent?.purpose,
        outcome: event.outcome,
        action: appEvent === undefined ? event.action : `${event.action} + ${appEvent.action}`,
      };
    }),
  );
}

/**
 * Enough to recognise an official when complaining about them, not enough to
 * find them elsewhere: the username's first part (`wang.***`) when OneGate
 * knows the account, and the last 4 characters of the id in the log.
 */
export function maskStaffId(actorId: string, username: string | undefined): string {
  const tail = `…${actorId.slice(-4)}`;
  if (username === undefined) return tail;
  const dot = username.indexOf('.');
  const head = dot > 0 ? username.slice(0, dot) : username.slice(0, 1);
  return `${head}.*** ${tail}`;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function memo<T>(lookup: (id: string) => Promise<T>): (id: string) => Promise<T> {
  const seen = new Map<string, Promise<T>>();
  return (id) => {
    let found = seen.get(id);
    if (!found) {
      found = lookup(id);
      seen.set(id, found);
    }
    return found;
  };
}
