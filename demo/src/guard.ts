/**
 * The demo prints passwords and runs with development settings (generated
 * keys, plain HTTP on localhost): it must never be mistaken for, or started
 * as, a real deployment.
 */
export function refuseProduction(env: Record<string, string | undefined> = process.env): void {
  if (env['ONEGATE_ENV'] === 'production' || env['NODE_ENV'] === 'production') {
    throw new Error(
      'the OneGate demo refuses to run in production (ONEGATE_ENV or NODE_ENV is "production"): ' +
        'it prints demo passwords and uses development keys. Run `onegate serve` for a real deployment.',
    );
  }
}
