import pino, { type Logger } from 'pino';

/**
 * Paths never written to logs. Tokens, cookies, passwords and authorization headers are
 * replaced by "[redacted]" wherever pino meets them (request logs, error objects, bodies).
 */
export const REDACT_PATHS = [
  'password',
  'currentPassword',
  'newPassword',
  'accessToken',
  'refreshToken',
  'ticket',
  'token',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.accessToken',
  '*.refreshToken',
  '*.ticket',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'config.tokenSecret',
  'config.databaseUrl',
  'config.redisUrl',
];

export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'parley-server', ...base },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
