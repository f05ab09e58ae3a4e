import { isKeyId } from '../ciphers/envelope.ts';

/** The change-feed topic of key changes. */
export const KEYS_TOPIC = 'privacy.keys';

/** `chain`: re-read the chain. `shred`: the chain is gone for good; drop it without reading. */
export interface KeyNotice {
  feedId: string;
  kind: 'chain' | 'shred';
  keyId: string;
}

/** `<feed id> <kind> <key id>`, e.g. `3f9a0c1d2e4b5a69 chain identity.accounts.phone`. */
export function noticeKey(notice: KeyNotice): string {
  return `${notice.feedId} ${notice.kind} ${notice.keyId}`;
}

/** Anyone with database access can publish on the feed: only well-formed keys are taken. */
export function parseNoticeKey(key: string | undefined): KeyNotice | undefined {
  const match = key === undefined ? null : /^([0-9a-f]{16}) (chain|shred) (\S+)$/.exec(key);
  if (!match || !isKeyId(match[3])) return undefined;
  return { feedId: match[1]!, kind: match[2] as KeyNotice['kind'], keyId: match[3] };
}
