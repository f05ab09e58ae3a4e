export * from './errors.ts';
export * from './policy.ts';
export * from './casbin-lines.ts';
export * from './decision-index.ts';
export * from './casbin-reference.ts';
export * from './policy-engine.ts';
export * as validate from './validate.ts';
export * from './explain.ts';
export * from './access-review.ts';
export { authzMigrations } from './authz-migrations.ts';
export type { AuthzAuditEvent, AuthzAuditSink } from './authz-audit.ts';
export { MAX_CHECKS, type CheckCaller, type CheckResult } from './decisions.ts';
export { AuthzService, type AuthzServiceOptions, type PolicyCounts } from './authz-service.ts';
export { describeRef, type EntityKind, type EntityRef } from './policy-refs.ts';
export {
  lintPolicy,
  EXPIRING_WITHIN_MS,
  type LintCode,
  type LintFinding,
  type LintOptions,
  type LintSeverity,
} from './policy-lint.ts';
export {
  loadPolicyDirectory,
  readPolicyDirectory,
  lintPolicySource,
  type LocatedFinding,
  type Origin,
  type PolicySource,
} from './policy-files.ts';
export {
  runPolicyTests,
  type PolicyTestExpectation,
  type PolicyTestReport,
  type PolicyTestResult,
} from './policy-tests.ts';
export { PolicyFileError, formatProblem, type PolicyProblem } from './policy-yaml.ts';
