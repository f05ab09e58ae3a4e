import type { Queryable, SqlValue, Store, Transaction } from '@onegate/store';
import type {
  Assignment,
  Delegation,
  DelegationStatus,
  Department,
  PolicySet,
  Role,
  Rule,
} from './policy.ts';

/**
 * The policy's tables (see `authz-migrations.ts`): each entity whole as JSON,
 * written only after the engine accepted it, so reads trust what they find.
 */

interface BodyRow {
  body: string;
}

function parse<T>(rows: BodyRow[]): T[] {
  return rows.map((row) => JSON.parse(row.body) as T);
}

async function maybeBody<T>(q: Queryable, sql: string, params: SqlValue[]): Promise<T | undefined> {
  const row = await q.maybeOne<BodyRow>(sql, params);
  return row ? (JSON.parse(row.body) as T) : undefined;
}

// ---- the version every change bumps

/** Bumps the policy version and returns it; on PostgreSQL the row lock serializes changes until commit. */
export async function bumpVersion(tx: Transaction): Promise<number> {
  const row = await tx.one<{ version: number | bigint }>(
    'UPDATE authz_state SET version = version + 1 WHERE id = 1 RETURNING version',
  );
  return Number(row.version);
}

export interface LoadedPolicy {
  version: number;
  /** Marks this database's change notices (see `authz-migrations.ts`). */
  feedId: string;
  policy: PolicySet;
}

/** The whole policy and the version it is at, read in one consistent snapshot. */
export async function loadPolicy(store: Store): Promise<LoadedPolicy> {
  return store.transaction(async (tx) => {
    // Several SELECTs must see one state of the database, not each its own.
    if (tx.dialect === 'postgres') await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    const state = await tx.one<{ version: number | bigint; feed_id: string }>(
      'SELECT version, feed_id FROM authz_state WHERE id = 1',
    );
    return {
      version: Number(state.version),
      feedId: state.feed_id,
      policy: {
        departments: await listDepartments(tx),
        roles: await listRoles(tx),
        assignments: await tx.query<Assignment>(
          'SELECT subject, department, role FROM authz_assignments ORDER BY subject, department, role',
        ),
        rules: await listRules(tx),
        delegations: await listDelegations(tx, {}),
      },
    };
  });
}

// ---- reads

export async function listDepartments(q: Queryable): Promise<Department[]> {
  return parse(await q.query<BodyRow>('SELECT body FROM authz_departments ORDER BY id'));
}

export function readDepartment(q: Queryable, id: string): Promise<Department | undefined> {
  return maybeBody(q, 'SELECT body FROM authz_departments WHERE id = $1', [id]);
}

export async function listRoles(q: Queryable, department?: string): Promise<Role[]> {
  const rows =
    department === undefined
      ? await q.query<BodyRow>('SELECT body FROM authz_roles ORDER BY department, name')
      : await q.query<BodyRow>('SELECT body FROM authz_roles WHERE department = $1 ORDER BY name', [
          department,
        ]);
  return parse(rows);
}

export function readRole(q: Queryable, department: string, name: string): Promise<Role | undefined> {
  return maybeBody(q, 'SELECT body FROM authz_roles WHERE department = $1 AND name = $2', [department, name]);
}

export type AssignmentFilter = { subject: string } | { department: string; role?: string | undefined };

export function listAssignments(q: Queryable, filter: AssignmentFilter): Promise<Assignment[]> {
  const columns = 'SELECT subject, department, role FROM authz_assignments';
  if ('subject' in filter) {
    return q.query<Assignment>(`${columns} WHERE subject = $1 ORDER BY department, role`, [filter.subject]);
  }
  if (filter.role === undefined) {
    return q.query<Assignment>(`${columns} WHERE department = $1 ORDER BY role, subject`, [
      filter.department,
    ]);
  }
  return q.query<Assignment>(`${columns} WHERE department = $1 AND role = $2 ORDER BY subject`, [
    filter.department,
    filter.role,
  ]);
}

export async function hasAssignment(q: Queryable, a: Assignment): Promise<boolean> {
  const row = await q.maybeOne(
    'SELECT 1 AS found FROM authz_assignments WHERE subject = $1 AND department = $2 AND role = $3',
    [a.subject, a.department, a.role],
  );
  return row !== undefined;
}

export async function listRules(q: Queryable, department?: string): Promise<Rule[]> {
  const rows =
    department === undefined
      ? await q.query<BodyRow>('SELECT body FROM authz_rules ORDER BY department, id')
      : await q.query<BodyRow>('SELECT body FROM authz_rules WHERE department = $1 ORDER BY id', [
          department,
        ]);
  return parse(rows);
}

export function readRule(q: Queryable, id: string): Promise<Rule | undefined> {
  return maybeBody(q, 'SELECT body FROM authz_rules WHERE id = $1', [id]);
}

export interface DelegationFilter {
  /** Delegations from or to this department. */
  department?: string | undefined;
  status?: DelegationStatus | undefined;
}

export async function listDelegations(q: Queryable, filter: DelegationFilter): Promise<Delegation[]> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (filter.department !== undefined) {
    params.push(filter.department);
    where.push(`(from_department = $${params.length} OR to_department = $${params.length})`);
  }
  if (filter.status !== undefined) {
    params.push(filter.status);
    where.push(`status = $${params.length}`);
  }
  const clause = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  return parse(
    await q.query<BodyRow>(`SELECT body FROM authz_delegations${clause} ORDER BY created_at, id`, params),
  );
}

export function readDelegation(q: Queryable, id: string): Promise<Delegation | undefined> {
  return maybeBody(q, 'SELECT body FROM authz_delegations WHERE id = $1', [id]);
}

// ---- writes, inside the change's transaction

export async function writeDepartment(tx: Transaction, d: Department, now: number): Promise<void> {
  await tx.exec(
    `INSERT INTO authz_departments (id, body, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
    [d.id, JSON.stringify(d), now],
  );
}

export async function deleteDepartment(tx: Transaction, id: string): Promise<void> {
  await tx.exec('DELETE FROM authz_departments WHERE id = $1', [id]);
}

export async function writeRole(tx: Transaction, r: Role, now: number): Promise<void> {
  await tx.exec(
    `INSERT INTO authz_roles (department, name, body, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (department, name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
    [r.department, r.name, JSON.stringify(r), now],
  );
}

export async function deleteRole(tx: Transaction, department: string, name: string): Promise<void> {
  await tx.exec('DELETE FROM authz_roles WHERE department = $1 AND name = $2', [department, name]);
}

export async function insertAssignment(tx: Transaction, a: Assignment, now: number): Promise<void> {
  await tx.exec(
    `INSERT INTO authz_assignments (subject, department, role, created_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (subject, department, role) DO NOTHING`,
    [a.subject, a.department, a.role, now],
  );
}

export async function deleteAssignment(tx: Transaction, a: Assignment): Promise<void> {
  await tx.exec('DELETE FROM authz_assignments WHERE subject = $1 AND department = $2 AND role = $3', [
    a.subject,
    a.department,
    a.role,
  ]);
}

export async function writeRule(tx: Transaction, r: Rule, now: number): Promise<void> {
  await tx.exec(
    `INSERT INTO authz_rules (id, department, body, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET department = excluded.department, body = excluded.body, updated_at = excluded.updated_at`,
    [r.id, r.department, JSON.stringify(r), now],
  );
}

export async function deleteRule(tx: Transaction, id: string): Promise<void> {
  await tx.exec('DELETE FROM authz_rules WHERE id = $1', [id]);
}

export async function writeDelegation(tx: Transaction, d: Delegation, now: number): Promise<void> {
  await tx.exec(
    `INSERT INTO authz_delegations (id, from_department, to_department, status, body, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6)
     ON CONFLICT (id) DO UPDATE SET from_department = excluded.from_department,
       to_department = excluded.to_department, status = excluded.status, body = excluded.body,
       updated_at = excluded.updated_at`,
    [d.id, d.fromDepartment, d.toDepartment, d.status, JSON.stringify(d), now],
  );
}

/** Everything replaced by `policy`, in bulk: a whole government's policy is ~150,000 rows. */
export async function replaceAllRows(tx: Transaction, policy: PolicySet, now: number): Promise<void> {
  for (const table of ['authz_assignments', 'authz_delegations', 'authz_rules', 'authz_roles']) {
    await tx.exec(`DELETE FROM ${table}`);
  }
  await tx.exec('DELETE FROM authz_departments');
  await insertMany(
    tx,
    'authz_departments (id, body, updated_at)',
    policy.departments.map((d) => [d.id, JSON.stringify(d), now]),
  );
  await insertMany(
    tx,
    'authz_roles (department, name, body, updated_at)',
    policy.roles.map((r) => [r.department, r.name, JSON.stringify(r), now]),
  );
  await insertMany(
    tx,
    'authz_assignments (subject, department, role, created_at)',
    policy.assignments.map((a) => [a.subject, a.department, a.role, now]),
  );
  await insertMany(
    tx,
    'authz_rules (id, department, body, updated_at)',
    policy.rules.map((r) => [r.id, r.department, JSON.stringify(r), now]),
  );
  await insertMany(
    tx,
    'authz_delegations (id, from_department, to_department, status, body, created_at, updated_at)',
    policy.delegations.map((d) => [
      d.id,
      d.fromDepartment,
      d.toDepartment,
      d.status,
      JSON.stringify(d),
      now,
      now,
    ]),
  );
}

/** Multi-row INSERTs, well under both engines' limits on parameters per statement. */
async function insertMany(tx: Transaction, into: string, rows: SqlValue[][]): Promise<void> {
  const ROWS_PER_STATEMENT = 200;
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    const params: SqlValue[] = [];
    const tuples = chunk.map((row) => {
      const marks = row.map((value) => {
        params.push(value);
        return `$${params.length}`;
      });
      return `(${marks.join(', ')})`;
    });
    await tx.exec(`INSERT INTO ${into} VALUES ${tuples.join(', ')}`, params);
  }
}
