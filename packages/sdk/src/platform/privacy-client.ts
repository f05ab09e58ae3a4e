import { OneGateError } from '../errors.ts';
import type { ApiClient } from './api-client.ts';

/** Where a field lives: the ciphertext is bound to all three (docs/privacy.md). */
export interface FieldPlace {
  /** The table as a resource path, `department/dataset[/…]`, e.g. `civil-affairs-hz/residents`. */
  collection: string;
  /** The record's id. */
  row: string;
  /** The column, lower-case, e.g. `id_number`. */
  field: string;
}

/** Kinds of personal data OneGate validates and normalizes. */
export type PersonalDataKind = 'resident-id' | 'credit-code' | 'mobile' | 'bank-card' | 'email';

export interface EncryptItem extends FieldPlace {
  value: string;
  /** Seal under this data subject's own key, so erasing the person makes the value unreadable. */
  subject?: string;
  /** Another field's key instead of this field's. */
  keyId?: string;
  /** Also compute the blind index, normalized for `kind`, cut to `bits` (32–256, default 128). */
  index?: { kind?: PersonalDataKind; bits?: number };
}
export interface EncryptRequest {
  items: EncryptItem[];
}
export interface EncryptResponse {
  results: { ciphertext: string; index?: string }[];
}

export interface DecryptItem extends FieldPlace {
  ciphertext: string;
  /** Whose data it is, for the audit log and the citizen's "who looked at my data". */
  subject?: string;
}
export interface DecryptRequest {
  /** Why the values are needed, a slug the policy lists (`benefit-eligibility`). */
  purpose: string;
  /** The person the app acts for (the signed-in staff member); leave out when the app acts for itself. */
  actor?: string;
  /** That person's `acr` from their ID token; OneGate refuses below its floor (default `substantial`). */
  acr?: string;
  items: DecryptItem[];
}
/** An item that failed alone (erased, retired key, tampered) says why; the others still have their value. */
export type DecryptResult = { value: string } | { error: string; error_description: string };
export interface DecryptResponse {
  results: DecryptResult[];
}

export type MaskProfile = string;
export interface MaskItem {
  value: string;
  /** `resident-id`, `mobile`, `bank-card`, `email`, `name`, `address`, … (docs/privacy.md, masking profiles). */
  profile: MaskProfile;
  keepFirst?: number;
  keepLast?: number;
  maskChar?: string;
}
export interface MaskRequest {
  items: MaskItem[];
}
export interface MaskResponse {
  results: { masked: string }[];
}

export interface BlindIndexItem {
  value: string;
  collection: string;
  field: string;
  kind?: PersonalDataKind;
  bits?: number;
}
export interface BlindIndexRequest {
  items: BlindIndexItem[];
}
export interface BlindIndexResponse {
  results: { index: string }[];
}

export interface ValidateRequest {
  items: { kind: PersonalDataKind; value: string }[];
}
export interface ValidateResponse {
  /** `{valid, normalized?, reason?, message?, …}` per item; `reason` is a stable code (`check_character`, `luhn` …). */
  results: ({ valid: boolean; reason?: string; message?: string } & Record<string, unknown>)[];
}

/**
 * `POST /api/v1/privacy/*`. Request and answer follow the HTTP API
 * (docs/privacy.md); lists longer than OneGate's 1,000 items per request are
 * sent in parts and the results joined in order.
 *
 * Every value goes through OneGate's HTTP API: OneGate offers no export of
 * data keys, so the SDK never encrypts locally and never holds a key.
 */
export interface PrivacyClient {
  /** Needs `privacy:encrypt`. */
  encrypt(request: EncryptRequest): Promise<EncryptResponse>;
  /**
   * Needs `privacy:decrypt`; governed and audited per value by OneGate. With
   * more than 1,000 items, each part is governed on its own: a refused part
   * throws after earlier parts were opened (and audited).
   *
   * @throws OneGateError `ERR_PRIVACY_STEP_UP_REQUIRED` when the person must sign in stronger,
   * `ERR_API_FORBIDDEN` when not authorized, `ERR_API_RATE_LIMITED` over the decrypt limits.
   */
  decrypt(request: DecryptRequest): Promise<DecryptResponse>;
  /** Needs `privacy:encrypt` or `privacy:decrypt`. */
  mask(request: MaskRequest): Promise<MaskResponse>;
  /** The equality-search index of each value; needs `privacy:encrypt`. */
  blindIndex(request: BlindIndexRequest): Promise<BlindIndexResponse>;
  /** Needs `privacy:encrypt` or `privacy:decrypt`. */
  validate(request: ValidateRequest): Promise<ValidateResponse>;
}

/** OneGate's limit of items per privacy request. */
export const MAX_ITEMS = 1000;
const ENCRYPT = ['privacy:encrypt'];
const DECRYPT = ['privacy:decrypt'];
const EITHER = ['privacy:decrypt', 'privacy:encrypt'];

/** The privacy client over `api`. */
export function createPrivacyClient(api: ApiClient): PrivacyClient {
  async function batched<R>(
    path: string,
    scopes: readonly string[],
    request: { items: unknown[] },
  ): Promise<{ results: R[] }> {
    if (typeof request !== 'object' || request === null || !Array.isArray(request.items)) {
      throw new OneGateError('ERR_API_INVALID', 'a privacy request is an object with a list of items');
    }
    const { items, ...rest } = request;
    const results: R[] = [];
    // An empty list is sent as is, for OneGate to refuse like any other bad request.
    for (let i = 0; i === 0 || i < items.length; i += MAX_ITEMS) {
      const part = items.slice(i, i + MAX_ITEMS);
      const answer = await api.json<{ results?: unknown }>({
        path,
        scopes,
        body: JSON.stringify({ ...rest, items: part }),
      });
      if (!Array.isArray(answer.results) || answer.results.length !== part.length) {
        throw new OneGateError(
          'ERR_API_RESPONSE',
          'OneGate answered with another number of results than items',
        );
      }
      results.push(...(answer.results as R[]));
    }
    return { results };
  }

  return {
    encrypt: (request) => batched('/privacy/encrypt', ENCRYPT, request),
    decrypt: (request) => batched('/privacy/decrypt', DECRYPT, request),
    mask: (request) => batched('/privacy/mask', EITHER, request),
    blindIndex: (request) => batched('/privacy/blind-index', ENCRYPT, request),
    validate: (request) => batched('/privacy/validate', EITHER, request),
  };
}
