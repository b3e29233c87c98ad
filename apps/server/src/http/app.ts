import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import websocket from '@fastify/websocket';
import type { Redis } from 'ioredis';
import { LIMITS } from '@parley/protocol';
import type { Modules } from '../modules.js';
import type { Gateway } from '../realtime/gateway.js';
import { authRoutes } from '../auth/routes.js';
import { messageRoutes } from '../messages/routes.js';
import { roomRoutes } from '../rooms/routes.js';
import { uploadRoutes } from '../uploads/routes.js';
import { userRoutes } from '../users/routes.js';
import { metrics } from '../observability/metrics.js';
import { registerDocs } from './docs.js';
import { installErrorHandling, toAppError } from './errors.js';
import { healthRoutes } from './health.js';
import { AppError, toProblem } from './problem.js';
import { defaultWebDist, webRoutes } from './web.js';

export interface AppDeps {
  modules: Modules;
  gateway: Gateway;
  redis?: Redis;
  isDraining: () => boolean;
  onServerError?: (err: unknown, request: FastifyRequest) => void;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, log } = deps.modules.infra;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    trustProxy: config.trustProxy as boolean | string | string[], // a hop count is accepted at runtime
    bodyLimit: 256 * 1024,
    requestIdHeader: 'x-request-id',
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    return503OnClosing: true,
    // A request (headers and body) must arrive within this time: slow-drip clients cannot hold sockets forever.
    requestTimeout: config.httpRequestTimeoutMs,
    // Malformed URLs and over-long path parameters are answered as problem details like every other error.
    frameworkErrors: (error, request, rawReply) => {
      const reply = rawReply as unknown as import('fastify').FastifyReply;
      const code = (error as { code?: string }).code;
      const detail = code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long' : 'The URL is malformed';
      reply.code(400).header('x-request-id', request.id).type('application/problem+json').send(toProblem(new AppError('bad-request', detail), request.url.split('?')[0]));
    },
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  });

  app.decorateRequest('auth', null);
  // The API speaks JSON (and multipart for uploads) only: text/plain bodies get 415, not a confusing 400.
  app.removeContentTypeParser('text/plain');
  installErrorHandling(app, deps.onServerError ?? (() => {}));
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.log = request.log; // the access log ("request completed") then carries the userId requireAuth added
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });

  const connectSrc = ["'self'", ...(config.sentry.dsn ? [new URL(config.sentry.dsn).origin] : [])];
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc,
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    strictTransportSecurity: config.publicOrigin.startsWith('https:') ? { maxAge: 31536000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
  await app.register(cookie);
  await app.register(multipart, { limits: { fileSize: config.uploadMaxBytes, files: 1, fields: 5, fieldSize: 1024 } });
  await app.register(websocket, {
    options: { maxPayload: LIMITS.wsFrameMaxBytes, perMessageDeflate: false },
    errorHandler: (err, socket) => {
      log.warn({ err: err.message }, 'websocket upgrade failed');
      socket.terminate();
    },
  });
  await registerDocs(app, config.publicOrigin);

  await healthRoutes(app, { database: deps.modules.infra.database, redis: deps.redis, isDraining: deps.isDraining });
  await authRoutes(app, deps.modules);
  await userRoutes(app, deps.modules);
  await roomRoutes(app, deps.modules);
  await messageRoutes(app, deps.modules);
  await uploadRoutes(app, deps.modules);

  app.get('/ws', {
    websocket: true,
    schema: { hide: true },
    preValidation: async (request, reply) => {
      if (deps.isDraining()) {
        const err = toAppError(Object.assign(new Error('draining'), { statusCode: 503 }));
        return reply.code(503).type('application/problem+json').header('retry-after', '1').send(toProblem(err, '/ws'));
      }
      deps.gateway.checkOrigin(request);
    },
  }, (socket, request) => {
    void deps.gateway.accept(socket, request);
  });

  const webDir = config.webDistDir === undefined ? defaultWebDist() : config.webDistDir;
  await webRoutes(app, webDir);
  return app;
}
