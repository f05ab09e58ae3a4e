import type { PlatformClient } from '@onegate/sdk';

/** A resident as given to the app once (the demo's seed data); the plaintext ID number is not kept. */
export interface NewResident {
  row: string;
  name: string;
  idNumber: string;
  district: string;
  subject?: string;
}

/** A record as the app keeps it: the ID number only as ciphertext, plus its masked form for display. */
export interface ResidentRecord {
  row: string;
  name: string;
  district: string;
  idNumberMasked: string;
  idNumberCiphertext: string;
  /** Whose data it is (their OneGate account), for the audit log. */
  subject?: string;
}

/**
 * The app's own "database": each ID number is encrypted by OneGate for its
 * place (collection, row, field) and masked once for display, so that seeing
 * it in full is always a governed, audited decrypt.
 */
export async function createRegister(
  platform: PlatformClient,
  collection: string,
  residents: NewResident[],
): Promise<Map<string, ResidentRecord>> {
  const sealed = await platform.privacy.encrypt({
    items: residents.map((r) => ({ value: r.idNumber, collection, row: r.row, field: 'id_number' })),
  });
  const masked = await platform.privacy.mask({
    items: residents.map((r) => ({ value: r.idNumber, profile: 'resident-id' })),
  });
  return new Map(
    residents.map((r, i) => [
      r.row,
      {
        row: r.row,
        name: r.name,
        district: r.district,
        idNumberMasked: masked.results[i]!.masked,
        idNumberCiphertext: sealed.results[i]!.ciphertext,
        ...(r.subject === undefined ? {} : { subject: r.subject }),
      },
    ]),
  );
}
