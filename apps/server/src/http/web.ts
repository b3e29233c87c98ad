import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

const API_PREFIXES = ['/api/', '/ws', '/docs', '/health/'];

/** The workspace's web build (apps/web/dist), found relative to this file in src/ or dist/. */
export function defaultWebDist(): string {
  return resolve(fileURLToPath(new URL('../../../web/dist', import.meta.url)));
}

const PLACEHOLDER = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Parley</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Parley is running</h1><p>The web app is not built. Run <code>npm run build</code>, or use the API at <a href="/docs">/docs</a>.</p></main></body></html>`;

/**
 * Serves the SPA in the embedded default: hashed assets cached for a year, index.html never
 * cached, and unknown non-API GETs fall back to index.html for client-side routing.
 */
export async function webRoutes(app: FastifyInstance, dir: string | null): Promise<void> {
  const root = dir && existsSync(join(dir, 'index.html')) ? resolve(dir) : null;
  if (!root) {
    app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(PLACEHOLDER));
    return;
  }
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: false,
    preCompressed: true,
    setHeaders: (res, path) => {
      if (path.endsWith('index.html')) res.header('cache-control', 'no-cache');
      else if (path.includes(`${root}/assets/`)) res.header('cache-control', 'public, max-age=31536000, immutable');
      else res.header('cache-control', 'public, max-age=3600');
    },
  });
  const sendIndex = (reply: import('fastify').FastifyReply) => reply.header('cache-control', 'no-cache').sendFile('index.html');
  app.get('/', { schema: { hide: true } }, (_req, reply) => sendIndex(reply));
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (API_PREFIXES.some((p) => path.startsWith(p))) return reply.callNotFound();
    const file = path.slice(1);
    if (file && existsSync(join(root, file)) && !file.includes('..')) return reply.sendFile(file);
    if (path.startsWith('/assets/')) return reply.callNotFound(); // a missing hashed asset is a 404, not the SPA
    return sendIndex(reply);
  });
}
