export * from './errors.ts';
export * from './policy.ts';
export * from './casbin-lines.ts';
export * from './decision-index.ts';
export * from './casbin-reference.ts';
