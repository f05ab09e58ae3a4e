export * from './errors.ts';
export * from './field-types.ts';
