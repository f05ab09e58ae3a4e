/** `verified_in_person`: identity checked against documents at a counter; needed for acr `high`. */
export type IdentityAssurance = 'basic' | 'verified_in_person';

export interface DepartmentRole {
  department: string;
  role: string;
}

export interface Account {
  id: string;
  username: string;
  name?: string | undefined;
  phone?: string | undefined;
  email?: string | undefined;
  /** PRC resident identity card number (GB 11643), as validated: 18 characters, upper-case `X`. */
  idNumber?: string | undefined;
  identityAssurance: IdentityAssurance;
  /** Staff only: the departments they work in and their role there. */
  departments: DepartmentRole[];
  /** Platform roles such as `admin`. */
  roles: string[];
  disabled: boolean;
  createdAt: number;
}

/** Personal data in the clear, opened from a row's envelopes. */
export interface PersonalData {
  name?: string | undefined;
  phone?: string | undefined;
  email?: string | undefined;
  idNumber?: string | undefined;
}

/** A row as stored: `name`, `phone`, `email` and `id_number` are envelopes once `fields_sealed` is 1. */
export interface AccountRow {
  id: string;
  username: string;
  phone: string | null;
  email: string | null;
  name: string | null;
  id_number: string | null;
  password_hash: string | null;
  /** Set while the password is an operator's temporary one: when it stops working. */
  password_expires_at: number | string | null;
  identity_assurance: string;
  departments: string;
  roles: string;
  disabled: number;
  created_at: number;
  fields_sealed: number;
}

export function toAccount(row: AccountRow, personal: PersonalData): Account {
  return {
    id: row.id,
    username: row.username,
    name: personal.name,
    phone: personal.phone,
    email: personal.email,
    idNumber: personal.idNumber,
    identityAssurance: row.identity_assurance === 'verified_in_person' ? 'verified_in_person' : 'basic',
    departments: JSON.parse(row.departments) as DepartmentRole[],
    roles: JSON.parse(row.roles) as string[],
    disabled: row.disabled === 1,
    createdAt: Number(row.created_at),
  };
}

export const ACCOUNT_COLUMNS =
  'id, username, phone, email, name, id_number, password_hash, password_expires_at, identity_assurance, departments, roles, disabled, created_at, fields_sealed';
