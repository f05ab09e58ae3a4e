/** The kinds of personal data that can be validated, normalized and detected; also their masking profile names. */
export const PERSONAL_DATA_KINDS = ['resident-id', 'credit-code', 'mobile', 'bank-card', 'email'] as const;

export type PersonalDataKind = (typeof PERSONAL_DATA_KINDS)[number];

export function isPersonalDataKind(kind: unknown): kind is PersonalDataKind {
  return typeof kind === 'string' && (PERSONAL_DATA_KINDS as readonly string[]).includes(kind);
}
