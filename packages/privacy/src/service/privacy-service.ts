import { DEFAULT_INDEX_BITS } from '../blind-index/blind-index.ts';
import { columnIndexer } from '../blind-index/column-indexer.ts';
import { openFieldText, readHeader, sealField } from '../ciphers/field-cipher.ts';
import { detectJson, detectText, redact } from '../detect/index.ts';
import { isPrivacyError, PrivacyError } from '../errors.ts';
import type { CiphertextHeader, DataKey, FieldContext } from '../field-types.ts';
import type { KeyAuditSink } from '../keyring/key-audit.ts';
import { BLIND_INDEX_ROOT_KEY_ID, checkKeyId, purposeOf, SUBJECT_KEY_PREFIX } from '../keyring/key-ids.ts';
import type { Keyring } from '../keyring/keyring.ts';
import { subjectKeyId } from '../keyring/subject-keys.ts';
import { isMaskProfile, mask, type MaskOptions } from '../masking/index.ts';
import { isPersonalDataKind, normalizerFor, validate, type PersonalDataKind } from '../validators/index.ts';
import * as input from './api-input.ts';
import { acrLevel, DecryptLimits, meets, type AcrLevel, type DecryptLimitOptions } from './decrypt-limits.ts';
import type { LimitRefusal } from './fixed-window.ts';
import { IndexLimits } from './index-limits.ts';
import {
  auditAll,
  DECRYPT_SCOPE,
  decryptEvent,
  ENCRYPT_SCOPE,
  forbidden,
  type DecryptAuthorizer,
  type DecryptRecord,
  type PrivacyCaller,
} from './decrypt-governance.ts';

export interface PrivacyServiceOptions {
  keyring: Keyring;
  /** Where every decrypt and refusal is recorded; a write that fails fails the decrypt. */
  audit: KeyAuditSink;
  /** May this person decrypt this field for this purpose? Without it, the `privacy:decrypt` scope alone governs. */
  authorize?: DecryptAuthorizer;
  /** The least sign-in level of a person who decrypts (default `substantial`: a password alone never unmasks). */
  minAcr?: AcrLevel;
  limits?: DecryptLimitOptions & {
    /** Blind indexes one app may compute per minute, `/encrypt` and `/blind-index` together (default 60,000). */
    indexesPerClientPerMinute?: number;
  };
  clock?: () => number;
}

/** An item's outcome when it alone failed: the rest of the batch still has its answers. */
export interface ItemError {
  error: string;
  error_description: string;
}

export interface EncryptResult {
  ciphertext: string;
  index?: string;
}
export type DecryptResult = { value: string } | ItemError;

const ACTOR = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/;
const SUBJECT = /^[A-Za-z0-9._-]{1,120}$/;
const MAX_INDEXERS = 1000;

interface IndexSpec {
  kind?: PersonalDataKind | undefined;
  bits: number;
}

/**
 * The privacy API for apps, in batches of up to 1,000: encrypt, decrypt
 * (governed: a scope, a purpose, an authorization per field, an audit event
 * per value), blind indexes, masking, validation and detection. The HTTP API
 * is a thin layer over this; Node apps in the same process may call it
 * directly with the caller they authenticated.
 */
export class PrivacyService {
  readonly #keyring: Keyring;
  readonly #audit: KeyAuditSink;
  readonly #authorize: DecryptAuthorizer | undefined;
  readonly #minAcr: AcrLevel;
  readonly #limits: DecryptLimits;
  readonly #indexLimits: IndexLimits;
  /** Column indexers by column, index options and root version: deriving a column key costs an HKDF. */
  readonly #indexers = new Map<string, (value: string) => string>();

  constructor(options: PrivacyServiceOptions) {
    this.#keyring = options.keyring;
    this.#audit = options.audit;
    this.#authorize = options.authorize;
    this.#minAcr = options.minAcr ?? 'substantial';
    this.#limits = new DecryptLimits(options.limits, options.clock);
    this.#indexLimits = new IndexLimits(options.limits?.indexesPerClientPerMinute, options.clock);
  }

  /**
   * `{items: [{value, collection, row, field, subject?, keyId?, index?}]}`:
   * each value sealed under the field's key (or the data subject's own key,
   * for erasure by crypto-shredding), bound to its place; with `index`
   * (`{kind?, bits?}`) its blind index too.
   */
  async encrypt(body: unknown, caller: PrivacyCaller): Promise<{ results: EncryptResult[] }> {
    requireScope(caller, ENCRYPT_SCOPE);
    const request = input.object(body, 'the request');
    input.onlyFields(request, ['items'], 'an encrypt request');
    const items = input.items(request, (item) => {
      input.onlyFields(item, ['value', 'collection', 'row', 'field', 'subject', 'keyId', 'index'], 'an item');
      const address = input.address(item);
      const subject = optionalSubject(item['subject']);
      if (subject !== undefined && item['keyId'] !== undefined) {
        throw input.invalid('name either subject (the data subject’s own key) or keyId, not both');
      }
      const index = item['index'] === undefined ? undefined : indexSpec(item['index']);
      const value = input.fieldValue(item['value']);
      // Normalized now, so that a value the index cannot read fails before any key is made.
      if (index?.kind !== undefined) normalizerFor(index.kind)(value);
      return {
        value,
        address,
        keyId:
          subject !== undefined
            ? subjectKeyId(subject)
            : item['keyId'] === undefined
              ? input.defaultKeyId(address.collection, address.field)
              : fieldKeyId(item['keyId']),
        index,
      };
    });
    await this.#takeIndexes(caller, items.filter((i) => i.index).length);
    const keys = new Map<string, DataKey>();
    for (const { keyId } of items) {
      if (!keys.has(keyId)) keys.set(keyId, await this.#primaryKey(keyId, caller.clientId));
    }
    const root = items.some((i) => i.index) ? await this.#keyring.blindIndexRoot() : undefined;
    return {
      results: input.eachItem(items, ({ value, address, keyId, index }) => {
        const ciphertext = sealField(keys.get(keyId)!, value, input.contextOf(address));
        if (!index) return { ciphertext };
        return { ciphertext, index: this.#indexer(root!, address.collection, address.field, index)(value) };
      }),
    };
  }

  /**
   * `{purpose, actor?, acr?, items: [{ciphertext, collection, row, field, subject?}]}`.
   * Needs the `privacy:decrypt` scope, a purpose, and authorization for
   * every field (action `decrypt` on `collection/row/field`) for the actor:
   * the signed-in person of the token, else the person the app names, else
   * the app itself. One refused item refuses the batch (403) and is audited;
   * otherwise every item is opened, each value audited before it is returned.
   */
  async decrypt(body: unknown, caller: PrivacyCaller): Promise<{ results: DecryptResult[] }> {
    const request = input.object(body, 'the request');
    input.onlyFields(request, ['purpose', 'actor', 'acr', 'items'], 'a decrypt request');
    const purpose = input.slug(request['purpose'], 'purpose (why the value is needed)');
    const actor = actorOf(request['actor'], caller);
    // A person acts when the token is theirs or the app names them; else the app acts for itself.
    const person = caller.accountId !== undefined || request['actor'] !== undefined ? actor : undefined;
    // With a person's own token, the token says how they signed in; a body cannot raise it.
    // An app acting for someone (client credentials) states the level from that person's ID token.
    if (caller.accountId !== undefined && request['acr'] !== undefined) {
      throw input.invalid('acr comes from the access token when it is a person’s own; leave it out');
    }
    const acr = acrLevel(caller.accountId !== undefined ? caller.acr : request['acr']);
    const items = input.items(request, (item) => {
      input.onlyFields(item, ['ciphertext', 'collection', 'row', 'field', 'subject'], 'an item');
      const ciphertext = input.text(item['ciphertext'], 'ciphertext');
      const header = readHeader(ciphertext);
      const address = input.address(item);
      return { ciphertext, header, address, subject: dataSubject(item['subject'], header) };
    });
    const records: DecryptRecord[] = items.map(({ header, address, subject }) => ({
      actor,
      caller,
      address,
      purpose,
      subject,
      keyId: header.keyId,
      version: header.version,
    }));

    if (!caller.scopes.includes(DECRYPT_SCOPE)) {
      await auditAll(
        this.#audit,
        records.map((r) => decryptEvent(r, 'denied', 'missing-scope')),
      );
      throw forbidden(`decrypting needs the ${DECRYPT_SCOPE} scope`);
    }
    if (person !== undefined && !meets(acr, this.#minAcr)) {
      await auditAll(
        this.#audit,
        records.map((r) => decryptEvent(r, 'denied', 'insufficient-authentication')),
      );
      throw new PrivacyError(
        'ERR_PRIVACY_INSUFFICIENT_AUTHENTICATION',
        `decrypting personal data needs a sign-in of at least ${this.#minAcr} (a second factor or a passkey)`,
      );
    }
    if (this.#authorize) {
      const verdicts = await this.#authorize(
        records.map((r) => ({ actor, resource: input.resourceOf(r.address), purpose, acr })),
        caller,
      );
      records.forEach((r, i) => (r.decisionId = verdicts[i]?.decisionId));
      const refused = records.flatMap((r, i) => (verdicts[i]?.allowed === true ? [] : [{ r, i }]));
      if (refused.length > 0) {
        await auditAll(
          this.#audit,
          refused.map(({ r, i }) => decryptEvent(r, 'denied', verdicts[i]?.reason ?? 'not-authorized')),
        );
        const which = refused.slice(0, 10).map(({ i }) => `items[${i}]`);
        throw forbidden(
          `${actor} may not decrypt ${which.join(', ')}${refused.length > 10 ? ` and ${refused.length - 10} more` : ''} for purpose ${purpose}`,
        );
      }
    }

    const refused = this.#limits.take(caller.clientId, person, items.length);
    if (refused) {
      // Each item of the first refusal in the limit's window; the rest are only answered.
      if (refused.first) {
        await auditAll(
          this.#audit,
          records.map((r) => decryptEvent(r, 'denied', 'rate-limited')),
        );
      }
      throw rateLimited(refused);
    }

    const results: DecryptResult[] = [];
    for (const { ciphertext, header, address } of items) {
      results.push(await this.#open(ciphertext, header, input.contextOf(address)));
    }
    await auditAll(
      this.#audit,
      records.map((r, i) => {
        const result = results[i]!;
        return 'error' in result ? decryptEvent(r, 'failure', result.error) : decryptEvent(r, 'success');
      }),
    );
    return { results };
  }

  /** `{items: [{value, collection, field, kind?, bits?}]}`: the blind index of each value, for equality search. */
  async blindIndex(body: unknown, caller: PrivacyCaller): Promise<{ results: { index: string }[] }> {
    requireScope(caller, ENCRYPT_SCOPE);
    const request = input.object(body, 'the request');
    input.onlyFields(request, ['items'], 'a blind-index request');
    const items = input.items(request, (item) => {
      input.onlyFields(item, ['value', 'collection', 'field', 'kind', 'bits'], 'an item');
      return {
        value: input.text(item['value'], 'value', 4096),
        collection: input.collection(item['collection']),
        field: input.field(item['field']),
        spec: indexSpec({ kind: item['kind'], bits: item['bits'] }),
      };
    });
    await this.#takeIndexes(caller, items.length);
    const root = await this.#keyring.blindIndexRoot();
    return {
      results: input.eachItem(items, ({ value, collection, field, spec }) => ({
        index: this.#indexer(root, collection, field, spec)(value),
      })),
    };
  }

  /** `{items: [{value, profile, keepFirst?, keepLast?, maskChar?}]}`: each value as most staff should see it. */
  mask(body: unknown): { results: { masked: string }[] } {
    const request = input.object(body, 'the request');
    input.onlyFields(request, ['items'], 'a mask request');
    const items = input.items(request, (item) => {
      input.onlyFields(item, ['value', 'profile', 'keepFirst', 'keepLast', 'maskChar'], 'an item');
      const profile = item['profile'];
      if (!isMaskProfile(profile)) throw input.invalid('unknown masking profile');
      const options: MaskOptions = {};
      if (item['keepFirst'] !== undefined) options.keepFirst = item['keepFirst'] as number;
      if (item['keepLast'] !== undefined) options.keepLast = item['keepLast'] as number;
      if (item['maskChar'] !== undefined) options.maskChar = item['maskChar'] as string;
      const value = input.text(item['value'], 'value', 4096);
      // Masked here, so that a bad option is an error of this item, named by its place.
      return { masked: mask(profile, value, options) };
    });
    return { results: items };
  }

  /** `{items: [{kind, value}]}`: whether each value is valid for its kind, and why not. */
  validate(body: unknown): { results: ReturnType<typeof validate>[] } {
    const request = input.object(body, 'the request');
    input.onlyFields(request, ['items'], 'a validate request');
    return {
      results: input.items(request, (item) => {
        input.onlyFields(item, ['kind', 'value'], 'an item');
        const kind = personalDataKind(item['kind']);
        return validate(kind, input.text(item['value'], 'value', 4096));
      }),
    };
  }

  /**
   * `{items: [{text} | {json}], kinds?}`: where personal data is (kind and
   * span, never the matched value) and the input with it masked.
   */
  detect(body: unknown): { results: { findings: unknown[]; redacted: unknown }[] } {
    const request = input.object(body, 'the request');
    input.onlyFields(request, ['items', 'kinds'], 'a detect request');
    const kinds = request['kinds'] === undefined ? undefined : kindList(request['kinds']);
    const options = kinds === undefined ? {} : { kinds };
    return {
      results: input.items(request, (item) => {
        input.onlyFields(item, ['text', 'json'], 'an item');
        if ((item['text'] === undefined) === (item['json'] === undefined)) {
          throw input.invalid('an item has either text or json');
        }
        if (item['text'] !== undefined) {
          const text = input.text(item['text'], 'text');
          return { findings: detectText(text, options), redacted: redact(text, options) };
        }
        const json = item['json'] as Parameters<typeof detectJson>[0];
        return { findings: detectJson(json, options), redacted: redact(json, options) };
      }),
    };
  }

  /** A value's primary key, made on first use (audited by the keyring as made by the app). */
  async #primaryKey(keyId: string, clientId: string): Promise<DataKey> {
    return this.#keyring.cachedPrimaryKey(keyId) ?? this.#keyring.primaryKey(keyId, { actor: clientId });
  }

  /** Opens one value; a key version another instance made a moment ago is loaded, then tried again. */
  async #open(ciphertext: string, header: CiphertextHeader, context: FieldContext): Promise<DecryptResult> {
    try {
      try {
        return { value: openFieldText(ciphertext, context, this.#keyring.resolve) };
      } catch (err) {
        if (!isPrivacyError(err, 'ERR_PRIVACY_KEY_NOT_FOUND')) throw err;
      }
      await this.#keyring.ensure(header.keyId, header.version);
      return { value: openFieldText(ciphertext, context, this.#keyring.resolve) };
    } catch (err) {
      return itemError(err);
    }
  }

  /** Counts `count` blind indexes against the app's minute, or refuses the whole batch (429), audited once a minute. */
  async #takeIndexes(caller: PrivacyCaller, count: number): Promise<void> {
    if (count === 0) return;
    const refused = this.#indexLimits.take(caller.clientId, count);
    if (!refused) return;
    if (refused.first) {
      await this.#audit.write({
        action: 'privacy.blind_index',
        outcome: 'denied',
        reason: 'rate-limited',
        actor: caller.accountId ?? caller.clientId,
        clientId: caller.clientId,
        details: { per_minute: this.#indexLimits.perClientPerMinute, asked: count },
      });
    }
    throw rateLimited(refused);
  }

  #indexer(root: DataKey, collection: string, field: string, spec: IndexSpec): (value: string) => string {
    const name = `${root.version}\0${collection}\0${field}\0${spec.kind ?? ''}\0${spec.bits}`;
    let indexer = this.#indexers.get(name);
    if (!indexer) {
      if (this.#indexers.size >= MAX_INDEXERS) this.#indexers.clear();
      indexer = columnIndexer({
        root: root.material,
        table: collection,
        column: field,
        normalize: spec.kind === undefined ? exact : normalizerFor(spec.kind),
        bits: spec.bits,
        // The root key's own algorithm, not the keyring's setting: turning GM mode on must not change existing indexes.
        algorithm: root.algorithm === 'sm4-ctr-hmac-sm3' ? 'hmac-sm3' : 'hmac-sha256',
      });
      this.#indexers.set(name, indexer);
    }
    return indexer;
  }
}

function rateLimited(refused: LimitRefusal): PrivacyError {
  return new PrivacyError('ERR_PRIVACY_RATE_LIMITED', refused.message, {
    retryAfterSeconds: refused.retryAfterSeconds,
  });
}

function requireScope(caller: PrivacyCaller, scope: string): void {
  if (!caller.scopes.includes(scope)) throw forbidden(`this needs the ${scope} scope`);
}

/** Who is decrypting: the token's person; else the person the app acts for; else the app itself. */
function actorOf(value: unknown, caller: PrivacyCaller): string {
  if (caller.accountId !== undefined) {
    if (value !== undefined && value !== caller.accountId) {
      throw input.invalid('actor is the signed-in person of the access token; leave it out');
    }
    return caller.accountId;
  }
  if (value === undefined) return caller.clientId;
  if (typeof value !== 'string' || !ACTOR.test(value)) {
    throw input.invalid(
      'actor must be an account id (letters, digits and . _ @ : -; at most 128 characters)',
    );
  }
  return value;
}

function optionalSubject(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !SUBJECT.test(value)) {
    throw input.invalid('subject (the data subject) is 1 to 120 of A-Z a-z 0-9 . _ -');
  }
  return value;
}

/** The data subject of a value: the key says so when it is the subject's own, and the app must agree. */
function dataSubject(value: unknown, header: CiphertextHeader): string | undefined {
  const named = optionalSubject(value);
  if (purposeOf(header.keyId) !== 'subject') return named;
  const owner = header.keyId.slice(SUBJECT_KEY_PREFIX.length);
  if (named !== undefined && named !== owner)
    throw input.invalid('the ciphertext is under another subject’s key');
  return owner;
}

/** Key chains of OneGate's own data: an app's values never share a key with them (one key, one purpose). */
const ONEGATE_KEY_PREFIXES = ['identity.', 'audit.', 'onegate.'];

/** An app may name a field key, never a subject's key (use `subject`), the blind-index root or OneGate's own. */
function fieldKeyId(value: unknown): string {
  const keyId = checkKeyId(value);
  if (purposeOf(keyId) !== 'field' || keyId === BLIND_INDEX_ROOT_KEY_ID) {
    throw input.invalid('keyId names a field key; use subject for a data subject’s own key');
  }
  if (ONEGATE_KEY_PREFIXES.some((prefix) => keyId.startsWith(prefix))) {
    throw input.invalid(
      `keyId may not start with ${ONEGATE_KEY_PREFIXES.join(', ')}: those keys are OneGate's own`,
    );
  }
  return keyId;
}

function indexSpec(value: unknown): IndexSpec {
  const spec = input.object(value, 'index');
  input.onlyFields(spec, ['kind', 'bits'], 'index');
  const bits = spec['bits'] ?? DEFAULT_INDEX_BITS;
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 32 || bits > 256 || bits % 8 !== 0) {
    throw input.invalid('bits is a multiple of 8 from 32 to 256');
  }
  return { kind: spec['kind'] === undefined ? undefined : personalDataKind(spec['kind']), bits };
}

function personalDataKind(value: unknown): PersonalDataKind {
  if (!isPersonalDataKind(value)) {
    throw input.invalid('kind is one of resident-id, credit-code, mobile, bank-card, email');
  }
  return value;
}

function kindList(value: unknown): PersonalDataKind[] {
  if (!Array.isArray(value) || value.length === 0) throw input.invalid('kinds must be a non-empty list');
  return value.map(personalDataKind);
}

/** Without a kind, values match exactly as sent. */
function exact(value: string): string {
  return value;
}

function itemError(err: unknown): ItemError {
  if (err instanceof PrivacyError) return { error: err.code, error_description: err.message };
  throw err;
}
