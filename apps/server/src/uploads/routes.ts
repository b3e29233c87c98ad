import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Attachment, RoomParams, UploadParams } from '@parley/protocol';
import { Type } from 'typebox';
import type { Modules } from '../modules.js';
import { caller } from '../http/auth.js';
import { AppError } from '../http/problem.js';
import { rateLimit } from '../http/rate-limit.js';
import { bearerOrCookie, docs, problems } from '../http/schema.js';
import { INLINE_TYPES } from './sniff.js';

export async function uploadRoutes(app: FastifyInstance, m: Modules): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const common = { tags: ['uploads'], security: bearerOrCookie };
  const uploadLimit = rateLimit(m.infra.rateLimiter, { scope: 'upload', limit: m.infra.config.rateLimits.uploadPerMin, windowMs: 60_000, by: 'user' });

  r.post('/api/v1/rooms/:roomId/uploads', {
    schema: {
      ...common,
      ...docs({
      description: 'Stores a file for a room (members only) and returns its attachment; send a message with `attachmentIds: [id]` to share it. The content type is sniffed from the bytes. Larger than `UPLOAD_MAX_BYTES` (see GET /api/v1/config): 413, nothing stored. See docs/api/uploads.md.',
      responses: { 201: 'The stored file' },
      rateLimit: 'upload',
      links: { 201: { downloadFile: { operationId: 'downloadFile', parameters: { uploadId: '$response.body#/id' }, description: 'Download it' } } },
    }),
      operationId: 'uploadFile',
      summary: 'Upload a file to a room (multipart/form-data, field `file`); attach it by sending a message with its id',
      consumes: ['multipart/form-data'],
      params: RoomParams,
      response: { 201: Attachment, ...problems(400, 401, 403, 404, 409, 413, 415, 429) },
    },
    preHandler: [m.requireAuth, uploadLimit],
  }, async (request, reply) => {
    if (!request.isMultipart()) throw new AppError('unsupported-media-type', 'Send the file as multipart/form-data in a field named "file"');
    const part = await request.file({ limits: { fileSize: m.infra.config.uploadMaxBytes, files: 1 } });
    if (!part || part.fieldname !== 'file') throw new AppError('validation', 'No file in the field "file"', { errors: [{ path: '/file', message: 'is required' }] });
    const data = await part.toBuffer(); // throws 413 past UPLOAD_MAX_BYTES; nothing is stored
    const attachment = await m.uploads.create(caller(request).userId, request.params.roomId, part.filename, data);
    return reply.code(201).send(attachment);
  });

  r.get('/api/v1/uploads/:uploadId', {
    schema: {
      ...common,
      ...docs({
      description: 'The bytes of an uploaded file (members of its room only), with its sniffed `Content-Type`. PNG, JPEG, GIF, WebP and AVIF images are served inline, everything else as an attachment; a sandboxing Content-Security-Policy and `nosniff` are always set. Send `If-None-Match` with the ETag to revalidate (304).',
      responses: { 200: 'The file' },
      headers: {
        'Content-Disposition': { description: '`inline` or `attachment` with the original filename (RFC 6266, `filename*` in UTF-8)' },
        ETag: { description: 'SHA-256 of the content, quoted' },
        'Cache-Control': { description: '`private, max-age=86400`' },
      },
      extraResponses: { 304: { description: 'Not modified: the If-None-Match ETag is current (no body)' } },
    }),
      operationId: 'downloadFile',
      summary: 'Download a file (members of its room only)',
      params: UploadParams,
      produces: ['application/octet-stream'],
      response: { 200: Type.String({ format: 'binary', description: 'The file bytes' }), ...problems(400, 401, 404) },
    },
    preHandler: m.requireAuth,
  }, async (request, reply) => {
    const file = await m.uploads.read(caller(request).userId, request.params.uploadId);
    const inline = INLINE_TYPES.has(file.meta.contentType);
    const encoded = encodeURIComponent(file.meta.filename);
    const ascii = file.meta.filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
    const raw = reply as unknown as import('fastify').FastifyReply; // binary body: bypass the JSON response typing
    if (request.headers['if-none-match'] === `"${file.sha256}"`) {
      return raw.code(304).header('etag', `"${file.sha256}"`).header('cache-control', 'private, max-age=86400').send();
    }
    return raw
      .header('content-type', file.meta.contentType)
      .header('content-length', String(file.data.length))
      .header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encoded}`)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
      .header('cache-control', 'private, max-age=86400')
      .header('etag', `"${file.sha256}"`)
      .send(Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength));
  });
}
