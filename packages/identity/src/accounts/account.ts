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
  identityAssurance: IdentityAssurance;
  /** Staff only: the departments they work in and their role there. */
  departments: DepartmentRole[];
  /** Platform roles such as `admin`. */
  roles: string[];
  disabled: boolean;
  createdAt: number;
}

export interface AccountRow {
  id: string;
  username: string;
  phone: string | null;
  email: string | null;
  name: string | null;
  password_hash: string | null;
  identity_assurance: string;
  departments: string;
  roles: string;
  disabled: number;
  created_at: number;
}

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    username: row.username,
    name: row.name ?? undefined,
    phone: row.phone ?? undefined,
    email: row.email ?? undefined,
    identityAssurance: row.identity_assurance === 'verified_in_person' ? 'verified_in_person' : 'basic',
    departments: JSON.parse(row.departments) as DepartmentRole[],
    roles: JSON.parse(row.roles) as string[],
    disabled: row.disabled === 1,
    createdAt: Number(row.created_at),
  };
}

export const ACCOUNT_COLUMNS =
  'id, username, phone, email, name, password_hash, identity_assurance, departments, roles, disabled, created_at';
