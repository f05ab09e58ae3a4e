export * from './errors.ts';
export * from './policy.ts';
export * from './casbin-lines.ts';
export * from './decision-index.ts';
export * from './casbin-reference.ts';
export * from './policy-engine.ts';
export * as validate from './validate.ts';
export * from './explain.ts';
export * from './access-review.ts';
