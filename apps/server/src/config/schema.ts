/**
 * Every environment variable Parley reads, with its type, default and meaning.
 * This table is the single source of truth: config/load.ts validates the environment
 * against it and scripts/gen-config-docs.ts writes docs/configuration.md from it.
 */
export type VarKind = 'string' | 'int' | 'number' | 'bool' | 'url' | 'enum' | 'list';

export interface VarSpec {
  kind: VarKind;
  description: string;
  default?: string;
  /** Must be set when NODE_ENV=production. */
  requiredInProduction?: boolean;
  /** Never logged; may also be given as <NAME>_FILE pointing at a file (Docker/Kubernetes secrets). */
  secret?: boolean;
  values?: readonly string[];
  min?: number;
  max?: number;
}

export const CONFIG_VARS = {
  NODE_ENV: { kind: 'enum', values: ['development', 'production', 'test'], default: 'development', description: 'Runtime mode. `production` requires the secrets and URLs marked below and turns off developer conveniences.' },
  HOST: { kind: 'string', default: '0.0.0.0', description: 'Interface the HTTP/WebSocket server binds.' },
  PORT: { kind: 'int', default: '3000', min: 0, max: 65535, description: 'Port for the API, `/ws`, `/docs` and (embedded default) the web app.' },
  METRICS_HOST: { kind: 'string', default: '0.0.0.0', description: 'Interface the Prometheus metrics listener binds.' },
  METRICS_PORT: { kind: 'int', default: '9464', min: 0, max: 65535, description: 'Port serving Prometheus metrics at `/metrics`, separate from the public port. `0` picks a free port.' },
  DATA_DIR: { kind: 'string', default: './data', description: 'Directory for the embedded database (PGlite) and generated secrets when `DATABASE_URL` is unset.' },
  DATABASE_URL: { kind: 'url', secret: true, requiredInProduction: true, description: 'PostgreSQL connection string (PostgreSQL 15 or newer). Unset: embedded PGlite under `DATA_DIR`.' },
  DATABASE_POOL_MAX: { kind: 'int', default: '10', min: 1, max: 200, description: 'Maximum PostgreSQL connections per process.' },
  DATABASE_STATEMENT_TIMEOUT_MS: { kind: 'int', default: '10000', min: 100, description: 'Per-statement timeout; a slower query fails instead of holding a connection.' },
  REDIS_URL: { kind: 'url', secret: true, description: 'Redis for cross-replica fan-out, presence, cache and rate limits. Unset: in-process (single replica only).' },
  REDIS_KEY_PREFIX: { kind: 'string', default: 'parley:', description: 'Prefix of every Redis key and pub/sub channel, so several Parley installations (or test runs) can share one Redis.' },
  PUBLIC_ORIGIN: { kind: 'url', requiredInProduction: true, default: 'http://localhost:3000', description: 'The origin users open in the browser (scheme://host[:port]). Allowed for CORS-free cookie auth and WebSocket Origin checks.' },
  ALLOWED_ORIGINS: { kind: 'list', default: '', description: 'Extra allowed origins, comma-separated (e.g. a separately hosted web app).' },
  TOKEN_SECRET: { kind: 'string', secret: true, requiredInProduction: true, description: 'Key (≥ 32 characters) that signs access tokens. Embedded default: generated once and kept in `DATA_DIR/secret.key`. Rotate by setting a new value (all sessions must refresh).' },
  ACCESS_TOKEN_TTL_S: { kind: 'int', default: '900', min: 60, max: 86400, description: 'Access token lifetime in seconds.' },
  REFRESH_TOKEN_TTL_S: { kind: 'int', default: '2592000', min: 3600, description: 'Refresh token (session) lifetime in seconds; each refresh rotates the token.' },
  COOKIE_SECURE: { kind: 'bool', default: 'true', description: 'Mark session cookies `Secure`. Browsers accept Secure cookies on http://localhost; set false only for plain-HTTP hosts other than localhost in development.' },
  TRUST_PROXY: { kind: 'string', default: 'false', description: 'Trust `X-Forwarded-*` from these proxies: `false`, `true`, a hop count, or comma-separated CIDRs (set it behind an ingress so per-IP rate limits see client addresses).' },
  HTTP_REQUEST_TIMEOUT_MS: { kind: 'int', default: '120000', min: 1000, description: 'Time a client has to send a whole HTTP request (headers and body, uploads included) before the connection is closed with 408.' },
  UPLOAD_MAX_BYTES: { kind: 'int', default: '10485760', min: 1024, description: 'Largest accepted upload in bytes (keep the ingress body limit in step).' },
  LOG_LEVEL: { kind: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', description: 'Minimum log level (pino).' },
  SHUTDOWN_GRACE_MS: { kind: 'int', default: '10000', min: 0, max: 600000, description: 'On SIGTERM: how long to wait for in-flight requests and WebSocket drain before exiting.' },
  WS_HEARTBEAT_MS: { kind: 'int', default: '30000', min: 1000, description: 'Interval of WebSocket pings; a peer that misses two is dropped.' },
  WS_MAX_BUFFERED_BYTES: { kind: 'int', default: '1048576', min: 16384, description: 'A WebSocket client whose unsent buffer passes this is disconnected (close code 4008) instead of growing memory.' },
  RATE_LIMIT_AUTH_PER_MIN: { kind: 'int', default: '20', min: 1, description: 'Login/register/refresh attempts per IP per minute.' },
  RATE_LIMIT_LOGIN_PER_ACCOUNT_PER_15MIN: { kind: 'int', default: '30', min: 1, description: 'Login attempts naming one account per 15 minutes, from any address (brute-force protection that a rotating client IP cannot bypass).' },
  RATE_LIMIT_SEND_PER_10S: { kind: 'int', default: '50', min: 1, description: 'Messages a user may send per 10 seconds.' },
  RATE_LIMIT_UPLOAD_PER_MIN: { kind: 'int', default: '20', min: 1, description: 'Uploads a user may make per minute.' },
  WEB_DIST_DIR: { kind: 'string', description: 'Directory of the built web app to serve at `/`. Default: the workspace build `apps/web/dist` when present; set empty to serve no web app (nginx does it).' },
  SENTRY_DSN: { kind: 'url', secret: true, description: 'Sentry DSN; error tracking is off when unset. The web app receives it through `/api/v1/config`.' },
  SENTRY_ENVIRONMENT: { kind: 'string', description: 'Sentry environment tag (default: NODE_ENV).' },
  SENTRY_TRACES_SAMPLE_RATE: { kind: 'number', default: '0', min: 0, max: 1, description: 'Fraction of requests traced by Sentry performance monitoring.' },
  OTEL_EXPORTER_OTLP_ENDPOINT: { kind: 'url', description: 'OpenTelemetry OTLP/HTTP endpoint; tracing is off when unset.' },
  OTEL_SERVICE_NAME: { kind: 'string', default: 'parley-server', description: 'Service name on exported traces.' },
  RELEASE: { kind: 'string', description: 'Release/version string reported in logs, metrics (`parley_build_info`) and Sentry (default: package version). Set by the image build.' },
  GIT_COMMIT: { kind: 'string', default: 'unknown', description: 'Commit the build came from, reported in `parley_build_info`.' },
} as const satisfies Record<string, VarSpec>;

export type ConfigVarName = keyof typeof CONFIG_VARS;
