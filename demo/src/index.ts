// @onegate/demo: what `pnpm demo` runs, for tests to start in-process.
export { startDemo, DEFAULT_PORTS, type Demo, type DemoOptions } from './demo.ts';
export type { DemoPerson, DemoStaff } from './realm/accounts.ts';
export type { Registration } from './realm/clients.ts';
export { totpCode } from './totp-code.ts';
