/**
 * Identifiers pages may mention although they are not Parley configuration, metrics or routes.
 * Each entry says what the name is. tests/docs/drift.test.ts fails when an entry is no longer
 * mentioned by any page (stale) or does not occur anywhere in the repository outside docs/ (made up).
 */

/** ALL_CAPS names in backticks that are not keys of CONFIG_VARS (apps/server/src/config/schema.ts). */
export const NON_CONFIG_ENV: Record<string, string> = {
  // Node.js / glibc runtime variables set in images and manifests.
  NODE_OPTIONS: 'Node.js runtime flags (heap size) set in the image and manifests',
  MALLOC_ARENA_MAX: 'glibc allocator tuning set in the server image',
  // TypeScript constants in packages/protocol.
  PROTOCOL_VERSION: 'TypeScript constant in packages/protocol (WebSocket protocol version)',
  CLOSE_CODES: 'TypeScript constant in packages/protocol/src/limits.ts',
  // CI/CD workflow secrets and variables (.github/workflows, documented in ci-cd.md).
  GITHUB_TOKEN: 'GitHub Actions token',
  SOURCE_URL: 'image build argument (OCI source label)',
  SENTRY_AUTH_TOKEN: 'CI secret for uploading source maps to Sentry',
  SENTRY_ORG: 'CI variable: Sentry organisation',
  SENTRY_URL: 'CI variable: Sentry server',
  SENTRY_PROJECT_SERVER: 'CI variable: Sentry project of the server',
  SENTRY_PROJECT_WEB: 'CI variable: Sentry project of the web app',
  APP_URL: 'CI variable: URL of the deployed environment for smoke tests',
  AWS_DEPLOY_ROLE_ARN: 'CI variable: IAM role assumed by the deploy job',
  AWS_REGION: 'CI variable: AWS region of the cluster',
  EKS_CLUSTER: 'CI variable: EKS cluster name',
  SMOKE_USERNAME: 'smoke/k6 test account (CI secret)',
  SMOKE_PASSWORD: 'smoke/k6 test account (CI secret)',
  K6_IMAGE: 'CI variable: k6 container image',
  K6_VUS: 'k6 load-test parameter',
  K6_DURATION: 'k6 load-test parameter',
  BASE_URL: 'k6 / smoke script target URL',
  // Docker Compose and image build variables (deploy/compose, Dockerfiles, scripts/container-smoke.mjs).
  PARLEY_PUBLIC_ORIGIN: 'Compose variable mapped to PUBLIC_ORIGIN',
  PARLEY_HTTP_BIND: 'Compose variable: host address:port published for the web container',
  PARLEY_SECRETS_DIR: 'Compose variable: directory holding the secret files',
  POSTGRES_IMAGE: 'Compose/build variable: PostgreSQL image',
  REDIS_IMAGE: 'Compose/build variable: Redis image',
  NODE_IMAGE: 'Dockerfile build argument: Node.js build image',
  RUNTIME_IMAGE: 'Dockerfile build argument: runtime base image',
  NGINX_IMAGE: 'Dockerfile build argument: nginx-unprivileged image',
  PROMETHEUS_IMAGE: 'Compose variable: Prometheus image',
  GRAFANA_IMAGE: 'Compose variable: Grafana image',
  POSTGRES_PASSWORD_FILE: 'official postgres image variable (password from a secret file)',
  SMOKE_KEEP: 'scripts/container-smoke.mjs option: keep containers after the run',
  SMOKE_SERVER_IMAGE: 'scripts/container-smoke.mjs option: server image to test',
  SMOKE_WEB_IMAGE: 'scripts/container-smoke.mjs option: web image to test',
  // Kubernetes (External Secrets, backups) and monitoring.
  ACCESS_KEY_ID: 'object-store credential key in the CloudNativePG backup secret',
  ACCESS_SECRET_KEY: 'object-store credential key in the CloudNativePG backup secret',
  NEWER_THAN_MODELS: 'constant in tests/k8s/lib/tscheck.ts',
  REDACT_PATHS: 'constant in apps/server/src/observability/logger.ts: log fields pino redacts',
  CLUSTER_NAME: 'monitoring stack variable (external label)',
  // Benchmark, load-test, resilience and fuzz runners.
  BENCH_BUDGET_S: 'bench runner option',
  BENCH_PG_ADMIN_URL: 'bench runner option',
  BENCH_REDIS_URL: 'bench runner option',
  SEND_INTERVAL_S: 'load-test option',
  P95_MS: 'load-test threshold',
  P99_MS: 'load-test threshold',
  DELIVER_P95_MS: 'load-test threshold',
  DELIVER_P99_MS: 'load-test threshold',
  FUZZ_RUNS: 'fuzz suite option',
  FUZZ_SEED: 'fuzz suite option',
};

/**
 * ALL_CAPS names of things outside this repository (so not checked against it): Linux capabilities.
 */
export const EXTERNAL_ENV: Record<string, string> = {
  NET_ADMIN: 'Linux capability a service-mesh init container needs (ADR 0103)',
  NET_BIND_SERVICE: 'Linux capability; the containers drop all capabilities and bind unprivileged ports',
};

/** `parley_…` names in code that are not metrics. */
export const NON_METRIC_NAMES: Record<string, string> = {
  parley_access: 'access-token cookie',
  parley_refresh: 'refresh-token cookie',
  parley_server: 'nginx upstream name in the web image',
  parley_bench_: 'prefix of the throw-away databases the bench runner creates',
};
