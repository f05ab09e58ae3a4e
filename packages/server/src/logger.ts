import { pino, type Logger } from 'pino';
import type { Config } from './config/settings.ts';

export type { Logger };

/**
 * JSON lines on standard output. Request logs are built field by field (no
 * headers, no query strings), and these paths are redacted as a second line of
 * defence should an object carrying them ever be logged.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'onegate' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          '*.authorization',
          '*.cookie',
          '*.password',
          '*.client_secret',
          '*.token',
          'headers.authorization',
          'headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
