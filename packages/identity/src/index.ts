export { IdentityError, type IdentityErrorCode } from './errors.ts';
