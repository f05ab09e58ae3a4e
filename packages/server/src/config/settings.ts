import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Every setting OneGate reads: its environment variable, its schema with the
 * default, and what it is for. The README's configuration table follows this
 * list; a config file (ONEGATE_CONFIG, JSON) uses the same keys.
 */
const port = z.coerce.number().int().min(0).max(65535);
const seconds = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z
  .union([z.array(z.string()), z.string().transform((s) => s.split(/[\s,]+/).filter(Boolean))])
  .pipe(z.array(z.string().min(1)));
const flag = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);

const filePath = z.string().min(1);
/** An IP address, or a CIDR block `address/prefix`. */
const ipOrCidr = z.string().refine((entry) => {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}, 'must be IP addresses or CIDR blocks (10.0.0.0/8)');
/** An HTTP header field name (RFC 9110 token); Node hands them to us lower-cased. */
const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name')
  .transform((h) => h.toLowerCase());

export const settings = {
  env: {
    env: 'ONEGATE_ENV',
    schema: z.enum(['development', 'production']).default('development'),
    doc: '`production` refuses insecure development defaults and never creates keys by itself (run `onegate init`). Defaults to `production` when `NODE_ENV=production`.',
  },
  host: {
    env: 'ONEGATE_HOST',
    schema: z.string().min(1).default('127.0.0.1'),
    doc: 'Address to listen on; `0.0.0.0` (or `::`) to accept connections from other machines.',
  },
  port: {
    env: 'ONEGATE_PORT',
    schema: port.default(8080),
    doc: 'Port to listen on (0 picks a free one).',
  },
  issuer: {
    env: 'ONEGATE_ISSUER',
    schema: z
      .url({ protocol: /^https?$/ })
      .refine((u) => !u.includes('?') && !u.includes('#'), 'must have no query or fragment')
      .transform((u) => u.replace(/\/+$/, ''))
      .default('http://localhost:8080'),
    doc: 'Public URL of this OneGate, as apps and browsers reach it.',
  },
  dataDir: {
    env: 'ONEGATE_DATA_DIR',
    schema: z.string().min(1).default('./data'),
    doc: 'Folder of the embedded SQLite database (`onegate.db`), used when no database URL is set.',
  },
  databaseUrl: {
    env: 'ONEGATE_DATABASE_URL',
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    doc: 'PostgreSQL connection URL; when set, PostgreSQL is used instead of SQLite. In production it must carry `sslmode=verify-full` (add `sslrootcert=/path/ca.pem` for a private CA) unless the host is loopback or a Unix socket.',
  },
  logLevel: {
    env: 'ONEGATE_LOG_LEVEL',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    doc: 'Least severe log level written (JSON lines on standard output).',
  },
  trustProxy: {
    env: 'ONEGATE_TRUST_PROXY',
    schema: flag.default(false),
    doc: 'Take the client address and protocol from `X-Forwarded-*` (only behind a proxy that sets them); with trustedProxies, only from those addresses.',
  },
  tlsCert: {
    env: 'ONEGATE_TLS_CERT',
    schema: filePath.optional(),
    doc: 'PEM file of the server certificate (then its chain); with tlsKey, OneGate serves HTTPS (TLS 1.2 and 1.3). Reloaded on SIGHUP or when the file changes.',
  },
  tlsKey: {
    env: 'ONEGATE_TLS_KEY',
    schema: filePath.optional(),
    doc: 'PEM file of the private key of tlsCert (unencrypted; keep it 0600).',
  },
  tlsCa: {
    env: 'ONEGATE_TLS_CA',
    schema: filePath.optional(),
    doc: 'PEM file of the CA certificates whose client certificates are trusted (mutual TLS); when set, HTTPS asks clients for a certificate.',
  },
  tlsCrl: {
    env: 'ONEGATE_TLS_CRL',
    schema: list.default([]),
    doc: 'PEM CRL files of those CAs (comma-separated); a client certificate listed there is refused.',
  },
  tlsClientCertHeader: {
    env: 'ONEGATE_TLS_CLIENT_CERT_HEADER',
    schema: headerName.optional(),
    doc: "Header in which a TLS-terminating proxy forwards the client certificate (URL-encoded PEM as nginx's `$ssl_client_escaped_cert`, or base64 DER); believed only from trustedProxies.",
  },
  trustedProxies: {
    env: 'ONEGATE_TRUSTED_PROXIES',
    schema: list.pipe(z.array(ipOrCidr)).default([]),
    doc: 'IP addresses and CIDR blocks (comma-separated) of the proxies whose forwarded client-certificate header (and, with trustProxy, X-Forwarded-*) is believed.',
  },
  metricsToken: {
    env: 'ONEGATE_METRICS_TOKEN',
    schema: z.string().min(32, 'must be at least 32 characters').optional(),
    doc: 'When set, `/metrics` requires `Authorization: Bearer <token>`. Required in production.',
  },
  sessionIdleSeconds: {
    env: 'ONEGATE_SESSION_IDLE_SECONDS',
    schema: seconds(60, 86_400).default(1800),
    doc: 'A single sign-on session ends after this long without use.',
  },
  sessionMaxSeconds: {
    env: 'ONEGATE_SESSION_MAX_SECONDS',
    schema: seconds(300, 30 * 86_400).default(12 * 3600),
    doc: 'A single sign-on session ends this long after sign-in, however active.',
  },
  refreshTokenMaxSeconds: {
    env: 'ONEGATE_REFRESH_TOKEN_MAX_SECONDS',
    schema: seconds(300, 365 * 86_400).default(7 * 86_400),
    doc: 'A refresh-token chain ends this long after its first issue, however often rotated.',
  },
  argon2MemoryKiB: {
    env: 'ONEGATE_ARGON2_MEMORY_KIB',
    schema: z.coerce.number().int().min(19_456).max(4_194_304).default(19_456),
    doc: 'argon2id memory per password hash (OWASP minimum 19456 KiB); raising it upgrades hashes at next sign-in.',
  },
  argon2TimeCost: {
    env: 'ONEGATE_ARGON2_TIME_COST',
    schema: z.coerce.number().int().min(2).max(20).default(2),
    doc: 'argon2id iterations (OWASP minimum 2).',
  },
  argon2Parallelism: {
    env: 'ONEGATE_ARGON2_PARALLELISM',
    schema: z.coerce.number().int().min(1).max(16).default(1),
    doc: 'argon2id lanes.',
  },
  signingAlgs: {
    env: 'ONEGATE_SIGNING_ALGS',
    schema: list
      .pipe(
        z.array(z.enum(['ES256', 'RS256', 'EdDSA'])).refine((a) => a.includes('ES256'), 'must include ES256'),
      )
      .default(['ES256']),
    doc: 'Signing algorithms with a key each; ES256 signs by default. Add RS256 (PKCS#1 v1.5, which ASVS 11.3.1 disallows) only for old apps registered as legacyRs256.',
  },
  outboundAllowedHosts: {
    env: 'ONEGATE_OUTBOUND_ALLOW_HOSTS',
    schema: list.default([]),
    doc: 'Hosts (`host` or `host:port`, comma-separated) on private networks that back-channel logout URIs may name and reach; any other loopback, private or special-use address is refused at registration and never contacted. Loopback is allowed in development.',
  },
  authzAuditAllows: {
    env: 'ONEGATE_AUTHZ_AUDIT_ALLOWS',
    schema: z.coerce.number().min(0).max(1).default(1),
    doc: 'Share of allowed authorization decisions written to the audit log, 0 to 1; denied ones are always audited.',
  },
  authzModel: {
    env: 'ONEGATE_AUTHZ_MODEL',
    schema: z.string().min(1).optional(),
    doc: 'Path of a custom Casbin model file; decisions then come from Casbin itself (slower; no explain or access review).',
  },
  privacyAlgorithm: {
    env: 'ONEGATE_PRIVACY_ALGORITHM',
    schema: z.enum(['aes-256-gcm', 'sm4-ctr-hmac-sm3']).default('aes-256-gcm'),
    doc: 'Cipher of new personal-data keys: aes-256-gcm, or sm4-ctr-hmac-sm3 where national (GM) algorithms are required. Existing keys keep theirs.',
  },
  privacyDecryptMinAcr: {
    env: 'ONEGATE_PRIVACY_DECRYPT_MIN_ACR',
    schema: z.enum(['low', 'substantial', 'high']).default('substantial'),
    doc: 'Least sign-in level of a person who decrypts personal data through the API.',
  },
  privacyDecryptsPerPersonPerDay: {
    env: 'ONEGATE_PRIVACY_DECRYPTS_PER_PERSON_PER_DAY',
    schema: z.coerce.number().int().min(1).max(10_000_000).default(2000),
    doc: 'Values one person may decrypt per UTC day (per instance); more is refused with 429 and audited.',
  },
  privacyDecryptsPerClientPerMinute: {
    env: 'ONEGATE_PRIVACY_DECRYPTS_PER_CLIENT_PER_MINUTE',
    schema: z.coerce.number().int().min(1).max(100_000_000).default(6000),
    doc: 'Values one app may decrypt per minute, for everyone it acts for together (per instance); more is refused with 429.',
  },
  privacyBlindIndexesPerClientPerMinute: {
    env: 'ONEGATE_PRIVACY_BLIND_INDEXES_PER_CLIENT_PER_MINUTE',
    schema: z.coerce.number().int().min(1).max(100_000_000).default(60_000),
    doc: 'Blind indexes one app may compute per minute, /encrypt and /blind-index together (per instance); more is refused with 429, audited once a minute.',
  },
  clientAuthFailuresPerClient: {
    env: 'ONEGATE_CLIENT_AUTH_FAILURES_PER_CLIENT',
    schema: z.coerce.number().int().min(1).max(1_000_000).default(20),
    doc: 'Failed client authentications (token, introspection, revocation, PAR) one client may have within the window (per instance); after that it gets 429 for the rest of the window, even with the right secret, audited once.',
  },
  clientAuthFailuresPerAddress: {
    env: 'ONEGATE_CLIENT_AUTH_FAILURES_PER_ADDRESS',
    schema: z.coerce.number().int().min(1).max(1_000_000).default(100),
    doc: 'Failed client authentications from one address (IPv6 by /64), any clients, within the window (per instance); after that every client authentication from it gets 429 for the rest of the window.',
  },
  clientAuthFailureWindowSeconds: {
    env: 'ONEGATE_CLIENT_AUTH_FAILURE_WINDOW_SECONDS',
    schema: seconds(1, 86_400).default(300),
    doc: "Length of a client's or an address's failure window, from its first failure.",
  },
  apiRequestsPerClientPerMinute: {
    env: 'ONEGATE_API_REQUESTS_PER_CLIENT_PER_MINUTE',
    schema: z.coerce.number().int().min(1).max(100_000_000).default(120_000),
    doc: 'Requests one app may make to /api/v1 per minute once its token is verified, every route together (per instance); more gets 429 with Retry-After, audited once a minute.',
  },
  adminRequestsPerClientPerMinute: {
    env: 'ONEGATE_ADMIN_REQUESTS_PER_CLIENT_PER_MINUTE',
    schema: z.coerce.number().int().min(1).max(1_000_000).default(600),
    doc: 'Of those, requests to the administration routes (accounts, apps, authorization policy and review) per minute (per instance).',
  },
  consoleRequestsPerOfficerPerMinute: {
    env: 'ONEGATE_CONSOLE_REQUESTS_PER_OFFICER_PER_MINUTE',
    schema: z.coerce.number().int().min(1).max(1_000_000).default(300),
    doc: 'Console pages and form posts one signed-in officer may request per minute (per instance); more gets a 429 page with Retry-After, audited once a minute.',
  },
  auditSearchesPerClientPerMinute: {
    env: 'ONEGATE_AUDIT_SEARCHES_PER_CLIENT_PER_MINUTE',
    schema: z.coerce.number().int().min(1).max(1_000_000).default(120),
    doc: 'Audit search pages and single-entry reads one app may make per minute through the API (per instance); more gets 429, audited once a minute.',
  },
  auditExportsPerClientPerMinute: {
    env: 'ONEGATE_AUDIT_EXPORTS_PER_CLIENT_PER_MINUTE',
    schema: z.coerce.number().int().min(1).max(100_000).default(10),
    doc: 'Audit exports one app may start per minute through the API (per instance); more gets 429, audited once a minute.',
  },
  auditConcurrentExportsPerClient: {
    env: 'ONEGATE_AUDIT_CONCURRENT_EXPORTS_PER_CLIENT',
    schema: z.coerce.number().int().min(1).max(1000).default(2),
    doc: 'Audit exports one app may have streaming at once through the API (per instance); another gets 429.',
  },
  auditRetentionDays: {
    env: 'ONEGATE_AUDIT_RETENTION_DAYS',
    schema: z.coerce.number().int().min(180).max(36_500).default(180),
    doc: 'Audit events older than this lose their body (their leaf hash stays, so proofs still verify); at least 180 days.',
  },
  auditRetentionDatabaseUrl: {
    env: 'ONEGATE_AUDIT_RETENTION_DATABASE_URL',
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    doc: 'PostgreSQL only: the same database as a role of its own, the only one allowed to empty old audit entries; the runtime role then needs no UPDATE or DELETE on the audit log (`onegate migrate --grant-runtime R --grant-retention R2`).',
  },
  auditForward: {
    env: 'ONEGATE_AUDIT_FORWARD',
    schema: z
      .string()
      .refine(
        (target) => /^(tls|tcp|udp):\/\/[^/?#]+:\d+\/?$|^file:\/\/\/./.test(target),
        'must be tls://host:port, tcp://host:port, udp://host:port or file:///path',
      )
      .optional(),
    doc: 'Copy every audit event to a SIEM: tls://host:6514 (RFC 5425, the only network target allowed in production), tcp://host:6514 (octet-counted), udp://host:514 or file:///path; off the append path, retried while the SIEM is down.',
  },
  auditForwardCa: {
    env: 'ONEGATE_AUDIT_FORWARD_CA',
    schema: filePath.optional(),
    doc: "PEM file of the CA certificates a tls:// SIEM's certificate must chain to, instead of Node's default CAs; its name is checked against the target's host.",
  },
  auditForwardFormat: {
    env: 'ONEGATE_AUDIT_FORWARD_FORMAT',
    schema: z.enum(['syslog', 'jsonl']).default('syslog'),
    doc: 'What the SIEM copy is: RFC 5424 syslog messages, or JSON lines of {index, event}.',
  },
  auditWitnesses: {
    env: 'ONEGATE_AUDIT_WITNESSES',
    schema: list.default([]),
    doc: 'Where each new checkpoint also goes to be cosigned or kept (comma-separated): file:///path or https://witness/add-checkpoint (http:// is refused in production).',
  },
  auditCheckpointSm2: {
    env: 'ONEGATE_AUDIT_CHECKPOINT_SM2',
    schema: flag.default(false),
    doc: 'GM deployments: also sign every audit checkpoint with SM2 (SM3, ID 1234567812345678); the Ed25519 line stays.',
  },
  shutdownTimeoutMs: {
    env: 'ONEGATE_SHUTDOWN_TIMEOUT_MS',
    schema: z.coerce.number().int().min(0).max(600_000).default(10_000),
    doc: 'On SIGTERM, how long in-flight requests may take before connections are cut.',
  },
} as const;

export type SettingName = keyof typeof settings;

export type Config = { [K in SettingName]: z.output<(typeof settings)[K]['schema']> };

/** Variables that are read elsewhere, not settings: never reported as unknown. */
export const OTHER_VARIABLES = [
  'ONEGATE_CONFIG',
  'ONEGATE_MASTER_KEY',
  'ONEGATE_PRIVACY_KEK',
  'ONEGATE_PRIVACY_PREVIOUS_KEK',
];
export const OTHER_PREFIXES = ['ONEGATE_TEST_'];
