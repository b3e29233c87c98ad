import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ERRORS, errorType, type ErrorCode } from '@parley/protocol';
import { SERVER_VERSION } from '../config/load.js';
import { CONFIG_VARS } from '../config/schema.js';
import { buildAsyncApi } from './asyncapi.js';
import { ComponentNamer, type OperationDocs, type ResponseHeaderDoc } from './schema.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- OpenAPI/AsyncAPI documents are built and walked as plain JSON
type Json = Record<string, any>;

/**
 * OpenAPI 3.1 generated from the route schemas; Swagger UI at /docs, raw specs at
 * /docs/openapi.json and /docs/asyncapi.json. `finishOpenApi` turns what @fastify/swagger
 * produces into the published contract: named components (from the protocol schemas'
 * titles), problem-details error responses for every status a route can answer, rate-limit
 * headers, links and the `x-parley-docs` each route declares.
 */
export async function registerDocs(app: FastifyInstance, publicOrigin: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Parley API',
        version: SERVER_VERSION,
        summary: 'REST API of Parley, a self-hosted real-time team chat',
        description: INFO_DESCRIPTION,
        license: { name: 'AGPL-3.0-only', identifier: 'AGPL-3.0-only' },
      },
      servers: [{ url: '{origin}', description: 'A Parley server', variables: { origin: { default: publicOrigin, description: 'The PUBLIC_ORIGIN of the server (scheme, host and port)' } } }],
      tags: [
        { name: 'auth', description: 'Accounts and sessions: register, log in, refresh, log out, change password. See docs/api/authentication.md.' },
        { name: 'users', description: 'User directory' },
        { name: 'rooms', description: 'Channels, direct messages, membership and read markers' },
        { name: 'messages', description: 'Messages, threads, reactions, history (cursor pagination) and change feeds' },
        { name: 'uploads', description: 'Uploading and downloading files' },
        { name: 'realtime', description: 'Tickets for the WebSocket at /ws (described by the AsyncAPI document at /docs/asyncapi.json)' },
        { name: 'meta', description: 'Client configuration' },
        { name: 'health', description: 'Liveness and readiness probes for orchestrators' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token (`accessToken`) from register, login or refresh: `Authorization: Bearer <accessToken>`' },
          cookieAuth: { type: 'apiKey', in: 'cookie', name: 'parley_access', description: 'Set by register/login/refresh for browsers (HttpOnly, SameSite=Lax). Unsafe methods must also carry an allowed Origin header.' },
        },
      },
    },
    transformObject: (documentObject) => finishOpenApi((documentObject as { openapiObject: Json }).openapiObject),
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true }, staticCSP: false });
  app.get('/docs/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const asyncapi = buildAsyncApi(publicOrigin);
  app.get('/docs/asyncapi.json', { schema: { hide: true } }, async () => asyncapi);
}

const INFO_DESCRIPTION = `REST API of Parley, a self-hosted real-time team chat.

* **Authentication:** \`Authorization: Bearer <accessToken>\` for API clients and bots, or the HttpOnly
  \`parley_access\` cookie for browsers (unsafe methods then need an allowed \`Origin\`). See the
  authentication guide (docs/api/authentication.md).
* **Errors** are RFC 9457 problem details (\`application/problem+json\`); \`type\` is a stable URI and
  \`code\` its last segment. The catalogue is docs/api/errors.md.
* **Rate limits** are announced with the IETF \`RateLimit-Limit\`, \`RateLimit-Remaining\`,
  \`RateLimit-Reset\` and \`RateLimit-Policy\` headers; a 429 carries \`Retry-After\` (seconds).
* **Pagination** of history is keyset-based on the per-room sequence number (\`before\`/\`after\`
  cursors, see listMessages); gap filling uses \`/changes?since=\`.
* **Realtime:** the WebSocket at \`/ws\` is described by the AsyncAPI 3.0 document at
  \`/docs/asyncapi.json\`.
* **Versioning:** the path carries the major version (\`/api/v1\`); additive changes only within a
  major version; deprecations are announced with \`Deprecation\`/\`Sunset\` headers at least 6 months
  ahead (docs/api/versioning.md).`;

// ---- responses -----------------------------------------------------------------------------

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No content', 304: 'Not modified',
  400: 'The request is malformed or fails validation (`errors` lists each offending field)',
  401: 'Not authenticated: no or an invalid/expired access token, or wrong credentials',
  403: 'Authenticated but not allowed (role, membership), or a cookie-authenticated request without an allowed Origin',
  404: 'The resource does not exist or is not visible to you',
  409: 'Conflicts with the current state (for example the room is archived, the name is taken)',
  413: 'The body or file is larger than allowed',
  415: 'Wrong Content-Type (JSON endpoints need application/json, uploads multipart/form-data)',
  429: 'Rate limit exceeded: wait `Retry-After` seconds (see docs/api/rate-limits.md)',
  500: 'Unexpected server error (logged with the request id)',
  503: 'Temporarily unavailable (draining for a restart, or the database is unreachable): retry after `Retry-After` seconds when given',
};

const RATE_LIMITS: Record<string, { description: string }> = {
  auth: { description: `per client IP, RATE_LIMIT_AUTH_PER_MIN (default ${CONFIG_VARS.RATE_LIMIT_AUTH_PER_MIN.default}) requests per minute` },
  send: { description: `per user, RATE_LIMIT_SEND_PER_10S (default ${CONFIG_VARS.RATE_LIMIT_SEND_PER_10S.default}) messages per 10 seconds, shared with WebSocket sends` },
  upload: { description: `per user, RATE_LIMIT_UPLOAD_PER_MIN (default ${CONFIG_VARS.RATE_LIMIT_UPLOAD_PER_MIN.default}) uploads per minute` },
};

const HEADERS: Record<string, Json> = {
  'X-Request-Id': { description: 'Identifies the request in the server logs (echoes a valid incoming X-Request-Id)', schema: { type: 'string' } },
  'RateLimit-Limit': { description: 'Requests allowed in the current window', schema: { type: 'integer', minimum: 0 } },
  'RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer', minimum: 0 } },
  'RateLimit-Reset': { description: 'Seconds until the window resets', schema: { type: 'integer', minimum: 1 } },
  'RateLimit-Policy': { description: 'The policy: `<limit>;w=<window seconds>`', schema: { type: 'string' }, example: `${CONFIG_VARS.RATE_LIMIT_SEND_PER_10S.default};w=10` },
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } },
};
const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });
const RATE_HEADERS = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy'];

/** Which catalogue codes an operation can return with each status (for the examples). */
function codesFor(status: number, operationId: string, path: string): ErrorCode[] {
  return (Object.keys(ERRORS) as ErrorCode[]).filter((code) => {
    if (ERRORS[code].status !== status) return false;
    if (code === 'username-taken') return operationId === 'register';
    if (code === 'invalid-credentials') return operationId === 'login' || operationId === 'changePassword';
    if (code === 'room-archived') return path.includes('{roomId}');
    return true;
  });
}

function problemExample(code: ErrorCode, path: string): Json {
  const value: Json = { type: errorType(code), title: ERRORS[code].title, status: ERRORS[code].status, code, detail: PROBLEM_DETAIL[code], instance: path };
  if (code === 'validation') value.errors = [{ path: 'body/name', message: 'must NOT have fewer than 1 characters' }];
  if (code === 'rate-limited') value.retryAfter = 7;
  if (code === 'unavailable') value.retryAfter = 2;
  return { summary: ERRORS[code].title, value };
}

const PROBLEM_DETAIL: Record<ErrorCode, string> = {
  validation: 'The body is not valid: body/name must NOT have fewer than 1 characters',
  'bad-request': 'The body is not valid JSON',
  unauthenticated: 'Log in first (cookie or Authorization: Bearer)',
  'invalid-credentials': 'Username or password is wrong',
  'invalid-token': 'The access token has expired',
  forbidden: 'Only the room owner or an admin may do this',
  'csrf-rejected': 'Requests from https://evil.example are not allowed',
  'not-found': 'No such room',
  'method-not-allowed': 'Method not allowed',
  conflict: 'Already a member',
  'username-taken': 'That username is taken',
  'room-archived': 'The room is archived',
  'payload-too-large': 'The request body or file is larger than allowed',
  'unsupported-media-type': 'Send application/json (or multipart/form-data for uploads)',
  'rate-limited': 'Too many send requests; retry in 7 s',
  internal: 'Something went wrong on our side; it has been logged',
  unavailable: 'Temporarily unavailable; retry shortly',
};

/** Documentation for the probes (declared in http/health.ts). */
const FALLBACK_DOCS: Record<string, OperationDocs> = {
  live: { description: 'Answers 200 while the process runs. Restart the process only when this fails.', responses: { 200: 'The process is up' } },
  ready: {
    description: 'Answers 200 when this replica can serve: the database (and Redis, when configured) answer within 2 s and it is not draining. Answers 503 with the failing check otherwise; load balancers should stop routing to it.',
    responses: { 200: 'Ready', 503: 'Not ready: `checks` names the failing dependency, or `lifecycle: draining` during shutdown' },
  },
};

const UNSAFE = new Set(['post', 'put', 'patch', 'delete']);
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function headerObject(doc: ResponseHeaderDoc): Json {
  return { description: doc.description, schema: doc.schema ?? { type: 'string' } };
}

function finishOperation(namer: ComponentNamer, path: string, method: string, op: Json): void {
  const d: OperationDocs | undefined = op['x-parley-docs'] ?? FALLBACK_DOCS[op.operationId];
  delete op['x-parley-docs'];
  if (d && !op.description) op.description = d.description;
  const secured = Array.isArray(op.security) && op.security.length > 0;
  if (!secured) op.security = [];
  const isProbe = (op.tags ?? []).includes('health');

  for (const p of op.parameters ?? []) p.schema = namer.refify(p.schema);
  if (op.requestBody) for (const media of Object.values(op.requestBody.content ?? {}) as Json[]) media.schema = namer.refify(media.schema);
  if (op.operationId === 'uploadFile') {
    op.requestBody = {
      required: true,
      description: 'The file in a multipart/form-data field named `file` (one file; at most UPLOAD_MAX_BYTES). The stored content type is sniffed from the bytes, not taken from the client.',
      content: { 'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary', description: 'The file' } } } } },
    };
  }

  // Every status the route can really answer (the error handler adds generic ones).
  const statuses = new Set(Object.keys(op.responses ?? {}).map(Number));
  if (!isProbe) {
    statuses.add(500).add(503);
    if (op.requestBody) statuses.add(400).add(413).add(415);
    if (op.parameters?.length) statuses.add(400);
    if (secured) statuses.add(401);
    if (secured && UNSAFE.has(method)) statuses.add(403);
    if (d?.rateLimit) statuses.add(429);
  }

  const responses: Json = {};
  for (const status of [...statuses].sort((a, b) => a - b)) {
    const existing: Json = op.responses?.[status] ?? {};
    const media = existing.content ? (Object.values(existing.content)[0] as Json) : undefined;
    const isProblem = status >= 400 && (!media || media.schema?.title === 'Problem' || media.schema?.$ref === '#/components/schemas/Problem');
    const headers: Json = { 'X-Request-Id': headerRef('X-Request-Id') };
    let response: Json;
    if (isProblem) {
      const examples: Json = {};
      for (const code of codesFor(status, op.operationId, path)) examples[code] = problemExample(code, path);
      namer.component('Problem');
      response = {
        description: STATUS_TEXT[status] ?? 'Error',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' }, examples } },
      };
      if (status === 429 || status === 503) headers['Retry-After'] = headerRef('Retry-After');
      if (status === 429) for (const h of RATE_HEADERS) headers[h] = headerRef(h);
    } else {
      response = { description: d?.responses?.[status] ?? STATUS_TEXT[status] ?? 'Response' };
      if (existing.content) {
        const content: Json = {};
        for (const [type, m] of Object.entries(existing.content) as [string, Json][]) {
          const binary = m.schema?.format === 'binary';
          content[binary ? '*/*' : type] = { ...m, schema: namer.refify(m.schema) };
        }
        response.content = content;
      }
      if (status < 300) {
        if (d?.rateLimit) for (const h of RATE_HEADERS) headers[h] = headerRef(h);
        for (const [name, h] of Object.entries(d?.headers ?? {})) headers[name] = headerObject(h);
      }
      const links = d?.links?.[status];
      if (links) {
        response.links = {};
        for (const [name, link] of Object.entries(links)) response.links[name] = { operationId: link.operationId, description: link.description, ...(link.parameters ? { parameters: link.parameters } : {}) };
      }
    }
    response.headers = headers;
    responses[status] = response;
  }
  for (const [status, extra] of Object.entries(d?.extraResponses ?? {})) {
    const headers: Json = { 'X-Request-Id': headerRef('X-Request-Id') };
    for (const [name, h] of Object.entries(extra.headers ?? {})) headers[name] = headerObject(h);
    responses[status] = { description: extra.description, headers };
  }
  op.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b)));
  if (d?.rateLimit) op['x-rate-limit'] = { scope: d.rateLimit, description: RATE_LIMITS[d.rateLimit]!.description };
}

/** Turns @fastify/swagger's output into the published OpenAPI document (see registerDocs). */
export function finishOpenApi(doc: Json): Json {
  const namer = new ComponentNamer({ constToEnum: true, refPrefix: '#/components/schemas/', checkInline: true });
  for (const [path, item] of Object.entries(doc.paths ?? {}) as [string, Json][]) {
    for (const method of METHODS) if (item[method]) finishOperation(namer, path, method, item[method]);
  }
  const usedHeaders = new Set(JSON.stringify(doc.paths).match(/#\/components\/headers\/[A-Za-z-]+/g)?.map((r) => r.split('/').pop()!) ?? []);
  doc.components = {
    ...doc.components,
    schemas: Object.fromEntries(Object.entries(namer.schemas).sort(([a], [b]) => a.localeCompare(b))),
    headers: Object.fromEntries(Object.entries(HEADERS).filter(([name]) => usedHeaders.has(name))),
  };
  return doc;
}
