import { readFileSync } from 'node:fs';
import { CONFIG_VARS, type ConfigVarName, type VarSpec } from './schema.js';

/** A bad or missing configuration value: main() prints `config: <message>` and exits 1. */
export class ConfigError extends Error {}

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  metricsHost: string;
  metricsPort: number;
  dataDir: string;
  databaseUrl?: string;
  databasePoolMax: number;
  databaseStatementTimeoutMs: number;
  redisUrl?: string;
  redisKeyPrefix: string;
  publicOrigin: string;
  allowedOrigins: string[];
  tokenSecret?: string;
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  cookieSecure: boolean;
  trustProxy: boolean | number | string[];
  uploadMaxBytes: number;
  httpRequestTimeoutMs: number;
  logLevel: string;
  shutdownGraceMs: number;
  wsHeartbeatMs: number;
  wsMaxBufferedBytes: number;
  rateLimits: { authPerMin: number; loginPerAccountPer15Min: number; sendPer10s: number; uploadPerMin: number };
  webDistDir?: string | null;
  sentry: { dsn?: string; environment: string; tracesSampleRate: number };
  otel: { endpoint?: string; serviceName: string };
  release: string;
  commit: string;
}

type Env = Record<string, string | undefined>;

function raw(env: Env, name: ConfigVarName, spec: VarSpec): string | undefined {
  const fileVar = env[`${name}_FILE`];
  if ('secret' in spec && spec.secret && fileVar) {
    try {
      return readFileSync(fileVar, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`${name}_FILE: cannot read ${fileVar} (${(err as NodeJS.ErrnoException).code})`);
    }
  }
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function parse(name: string, spec: VarSpec, value: string): unknown {
  switch (spec.kind) {
    case 'int': {
      if (!/^-?\d+$/.test(value)) throw new ConfigError(`${name}: "${value}" is not a whole number`);
      const n = Number(value);
      if (spec.min !== undefined && n < spec.min) throw new ConfigError(`${name}: ${n} is below the minimum ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) throw new ConfigError(`${name}: ${n} is above the maximum ${spec.max}`);
      return n;
    }
    case 'number': {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new ConfigError(`${name}: "${value}" is not a number`);
      if (spec.min !== undefined && n < spec.min) throw new ConfigError(`${name}: ${n} is below the minimum ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) throw new ConfigError(`${name}: ${n} is above the maximum ${spec.max}`);
      return n;
    }
    case 'bool':
      if (['true', '1', 'yes'].includes(value.toLowerCase())) return true;
      if (['false', '0', 'no'].includes(value.toLowerCase())) return false;
      throw new ConfigError(`${name}: "${value}" is not true or false`);
    case 'url':
      try {
        new URL(value);
      } catch {
        // Never echo the value: URLs here may hold passwords.
        throw new ConfigError(`${name}: not a valid URL`);
      }
      return value;
    case 'enum':
      if (!spec.values?.includes(value)) throw new ConfigError(`${name}: "${value}" is not one of ${spec.values?.join(', ')}`);
      return value;
    case 'list':
      return value.split(',').map((s) => s.trim()).filter(Boolean);
    default:
      return value;
  }
}

function parseTrustProxy(value: string): boolean | number | string[] {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Reads and validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const values: Partial<Record<ConfigVarName, unknown>> = {};
  const production = (env.NODE_ENV ?? 'development') === 'production';
  for (const [name, spec] of Object.entries(CONFIG_VARS) as [ConfigVarName, VarSpec][]) {
    let value = raw(env, name, spec);
    if (value === undefined && production && spec.requiredInProduction && !(name === 'PUBLIC_ORIGIN' && env.PUBLIC_ORIGIN)) {
      throw new ConfigError(`${name}: required when NODE_ENV=production (${spec.description.split('.')[0]})`);
    }
    if (value === undefined) value = spec.default;
    values[name] = value === undefined ? undefined : parse(name, spec, value);
  }
  const tokenSecret = values.TOKEN_SECRET as string | undefined;
  if (tokenSecret !== undefined && tokenSecret.length < 32) throw new ConfigError('TOKEN_SECRET: must be at least 32 characters');
  const publicOrigin = new URL(values.PUBLIC_ORIGIN as string).origin;
  const allowedOrigins = [publicOrigin, ...((values.ALLOWED_ORIGINS as string[]) ?? []).map((o) => {
    try {
      return new URL(o).origin;
    } catch {
      throw new ConfigError(`ALLOWED_ORIGINS: "${o}" is not an origin`);
    }
  })];
  const webDist = env.WEB_DIST_DIR;
  const nodeEnv = values.NODE_ENV as Config['env'];
  return {
    env: nodeEnv,
    host: values.HOST as string,
    port: values.PORT as number,
    metricsHost: values.METRICS_HOST as string,
    metricsPort: values.METRICS_PORT as number,
    dataDir: values.DATA_DIR as string,
    databaseUrl: values.DATABASE_URL as string | undefined,
    databasePoolMax: values.DATABASE_POOL_MAX as number,
    databaseStatementTimeoutMs: values.DATABASE_STATEMENT_TIMEOUT_MS as number,
    redisUrl: values.REDIS_URL as string | undefined,
    redisKeyPrefix: values.REDIS_KEY_PREFIX as string,
    publicOrigin,
    allowedOrigins,
    tokenSecret,
    accessTokenTtlS: values.ACCESS_TOKEN_TTL_S as number,
    refreshTokenTtlS: values.REFRESH_TOKEN_TTL_S as number,
    cookieSecure: values.COOKIE_SECURE as boolean,
    trustProxy: parseTrustProxy(values.TRUST_PROXY as string),
    uploadMaxBytes: values.UPLOAD_MAX_BYTES as number,
    httpRequestTimeoutMs: values.HTTP_REQUEST_TIMEOUT_MS as number,
    logLevel: values.LOG_LEVEL as string,
    shutdownGraceMs: values.SHUTDOWN_GRACE_MS as number,
    wsHeartbeatMs: values.WS_HEARTBEAT_MS as number,
    wsMaxBufferedBytes: values.WS_MAX_BUFFERED_BYTES as number,
    rateLimits: {
      authPerMin: values.RATE_LIMIT_AUTH_PER_MIN as number,
      loginPerAccountPer15Min: values.RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_15MIN as number,
      sendPer10s: values.RATE_LIMIT_SEND_PER_10S as number,
      uploadPerMin: values.RATE_LIMIT_UPLOAD_PER_MIN as number,
    },
    // undefined: look for the workspace build; '' (set but empty): serve no web app.
    webDistDir: webDist === undefined ? undefined : webDist === '' ? null : webDist,
    sentry: {
      dsn: values.SENTRY_DSN as string | undefined,
      environment: (values.SENTRY_ENVIRONMENT as string | undefined) ?? nodeEnv,
      tracesSampleRate: values.SENTRY_TRACES_SAMPLE_RATE as number,
    },
    otel: { endpoint: values.OTEL_EXPORTER_OTLP_ENDPOINT as string | undefined, serviceName: values.OTEL_SERVICE_NAME as string },
    release: (values.RELEASE as string | undefined) ?? SERVER_VERSION,
    commit: values.GIT_COMMIT as string,
  };
}

/** The server package's version (package.json sits two levels above this file in src/ and dist/). */
export const SERVER_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();
