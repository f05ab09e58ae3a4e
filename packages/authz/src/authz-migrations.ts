import type { MigrationSet } from '@onegate/store';

/**
 * The policy at rest. Each entity is kept whole as JSON in `body` (as
 * validated on the way in), with the columns it is looked up by beside it.
 * `authz_state.version` counts policy changes: every change bumps it in its
 * own transaction, which serializes changes across instances and tells each
 * instance whether its in-memory policy is current. `feed_id`, random per
 * database, marks this policy's change notices: PostgreSQL delivers NOTIFY
 * to every schema's listeners, and another OneGate's notices must not count.
 */
export const authzMigrations: MigrationSet = {
  owner: 'authz',
  migrations: [
    {
      version: 1,
      name: 'departments, roles, assignments, rules, delegations',
      up: {
        sqlite: tables('lower(hex(randomblob(8)))'),
        postgres: tables('substr(md5(random()::text || clock_timestamp()::text), 1, 16)'),
      },
    },
  ],
};

function tables(randomFeedId: string): string {
  return `CREATE TABLE authz_state (
  id INTEGER PRIMARY KEY,
  version BIGINT NOT NULL,
  feed_id TEXT NOT NULL
);
INSERT INTO authz_state (id, version, feed_id) VALUES (1, 0, ${randomFeedId});
CREATE TABLE authz_departments (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE authz_roles (
  department TEXT NOT NULL,
  name TEXT NOT NULL,
  body TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (department, name)
);
CREATE TABLE authz_assignments (
  subject TEXT NOT NULL,
  department TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (subject, department, role)
);
CREATE INDEX authz_assignments_by_role ON authz_assignments (department, role);
CREATE TABLE authz_rules (
  id TEXT PRIMARY KEY,
  department TEXT NOT NULL,
  body TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX authz_rules_by_department ON authz_rules (department);
CREATE TABLE authz_delegations (
  id TEXT PRIMARY KEY,
  from_department TEXT NOT NULL,
  to_department TEXT NOT NULL,
  status TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX authz_delegations_from ON authz_delegations (from_department);
CREATE INDEX authz_delegations_to ON authz_delegations (to_department);`;
}
