import { readFileSync } from 'node:fs';
import { postgresTlsProblem } from '@onegate/store';
import { ServerError } from '../errors.ts';
import { OTHER_PREFIXES, OTHER_VARIABLES, settings, type Config, type SettingName } from './settings.ts';

type Env = Record<string, string | undefined>;

const names = Object.keys(settings) as SettingName[];

/**
 * Reads settings from the optional JSON file named by ONEGATE_CONFIG, then the
 * environment (which wins), and validates them. Every problem is reported at
 * once, each naming the setting and its variable; values are never echoed
 * because some are secrets.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const file = readConfigFile(env['ONEGATE_CONFIG'], problems);
  const known = new Set([...names.map((n) => settings[n].env), ...OTHER_VARIABLES]);
  for (const variable of Object.keys(env)) {
    if (
      variable.startsWith('ONEGATE_') &&
      !known.has(variable) &&
      !OTHER_PREFIXES.some((p) => variable.startsWith(p))
    ) {
      problems.push(`${variable}: not a OneGate setting`);
    }
  }
  for (const key of Object.keys(file)) {
    if (!names.includes(key as SettingName)) problems.push(`${key} (config file): not a OneGate setting`);
  }

  const config: Record<string, unknown> = {};
  for (const name of names) {
    const { env: variable, schema } = settings[name];
    const fromEnv =
      name === 'env' && !env[variable] && env['NODE_ENV'] === 'production' ? 'production' : env[variable];
    const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : file[name];
    const result = schema.safeParse(raw);
    if (result.success) config[name] = result.data;
    else problems.push(`${name} (${variable}): ${result.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (problems.length === 0) checkTls(config as Config, problems);
  if (problems.length === 0) checkRetentionRole(config as Config, problems);
  if (problems.length === 0) checkProduction(config as Config, problems);
  if (problems.length > 0) {
    throw new ServerError('ERR_CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return config as Config;
}

/**
 * Settings that only make sense together. Whether the files exist and parse
 * is checked when the server starts (ERR_TLS_CONFIG), not here: other
 * commands load the configuration too, `onegate certs init` before the files
 * exist.
 */
function checkTls(config: Config, problems: string[]): void {
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    const missing = config.tlsCert === undefined ? 'tlsCert (ONEGATE_TLS_CERT)' : 'tlsKey (ONEGATE_TLS_KEY)';
    problems.push(
      `${missing}: required with ${config.tlsCert === undefined ? 'tlsKey' : 'tlsCert'}; set both or neither`,
    );
  }
  if (config.tlsCrl.length > 0 && config.tlsCa === undefined) {
    problems.push(
      'tlsCrl (ONEGATE_TLS_CRL): needs tlsCa (ONEGATE_TLS_CA), the CAs whose revocations it lists',
    );
  }
  if (config.tlsClientCertHeader !== undefined && config.trustedProxies.length === 0) {
    problems.push(
      'tlsClientCertHeader (ONEGATE_TLS_CLIENT_CERT_HEADER): needs trustedProxies (ONEGATE_TRUSTED_PROXIES), or anyone could send a certificate in it',
    );
  }
  if (config.auditForwardCa !== undefined && !config.auditForward?.startsWith('tls://')) {
    problems.push(
      'auditForwardCa (ONEGATE_AUDIT_FORWARD_CA): needs a tls:// auditForward (ONEGATE_AUDIT_FORWARD), the SIEM it verifies',
    );
  }
}

/** A retention role of its own is a PostgreSQL notion: SQLite has one file and no roles. */
function checkRetentionRole(config: Config, problems: string[]): void {
  if (config.auditRetentionDatabaseUrl === undefined) return;
  if (config.databaseUrl === undefined) {
    problems.push(
      'auditRetentionDatabaseUrl (ONEGATE_AUDIT_RETENTION_DATABASE_URL): needs databaseUrl (ONEGATE_DATABASE_URL); SQLite has no roles',
    );
  } else if (config.env === 'production') {
    const problem = postgresTlsProblem(config.auditRetentionDatabaseUrl);
    if (problem)
      problems.push(
        `auditRetentionDatabaseUrl (ONEGATE_AUDIT_RETENTION_DATABASE_URL): ${problem} in production`,
      );
  }
}

/** Development defaults that would be unsafe on a real deployment. */
function checkProduction(config: Config, problems: string[]): void {
  if (config.env !== 'production') return;
  if (!config.issuer.startsWith('https://')) {
    problems.push('issuer (ONEGATE_ISSUER): must be an https:// URL in production');
  }
  if (!config.metricsToken) {
    problems.push('metricsToken (ONEGATE_METRICS_TOKEN): required in production, so /metrics is not public');
  }
  checkTransport(config, problems);
}

/**
 * Audit copies, checkpoints and database traffic leave the machine only
 * encrypted, to a verified peer (ASVS 12.3.1, 16.4.3). A file target stays
 * local. Values are not echoed: a database URL may hold a password.
 */
function checkTransport(config: Config, problems: string[]): void {
  // auditRetentionDatabaseUrl gets the same check in checkRetentionRole.
  const problem = config.databaseUrl === undefined ? undefined : postgresTlsProblem(config.databaseUrl);
  if (problem) problems.push(`databaseUrl (ONEGATE_DATABASE_URL): ${problem} in production`);
  const forward = config.auditForward?.slice(0, config.auditForward.indexOf(':'));
  if (forward === 'tcp' || forward === 'udp') {
    problems.push(
      `auditForward (ONEGATE_AUDIT_FORWARD): ${forward}:// sends audit events in clear text; use tls://host:port (or file:///path) in production`,
    );
  }
  config.auditWitnesses.forEach((witness, i) => {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(witness)?.[1]?.toLowerCase();
    if (scheme !== 'https' && scheme !== 'file') {
      problems.push(
        `auditWitnesses (ONEGATE_AUDIT_WITNESSES): witness ${i + 1} is ${scheme ? `${scheme}://` : 'not a URL'}; checkpoints go to witnesses over https:// (or to a file://) in production`,
      );
    }
  });
}

function readConfigFile(path: string | undefined, problems: string[]): Record<string, unknown> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    problems.push(`ONEGATE_CONFIG: cannot read the config file ${path}`);
    return {};
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // reported below
  }
  problems.push(`ONEGATE_CONFIG: ${path} must hold one JSON object`);
  return {};
}
