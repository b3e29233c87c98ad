/**
 * The published contract: both documents are regenerated from the code and must equal the
 * committed files; OpenAPI passes `redocly lint` (recommended + redocly.yaml) and the static
 * reference builds self-contained; AsyncAPI validates with @asyncapi/parser; the running
 * server serves the same documents.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { CLOSE_CODES, ClientFrames, ERRORS, ServerFrames, errorType } from '@parley/protocol';
import { buildSpecApp, generateSpecs } from '../../src/http/spec.js';
import { renderSpecs } from '../../../../scripts/api/render.js';
import { ASYNCAPI_PATH, OPENAPI_PATH, REPO_ROOT } from '../support/contract.js';

type Json = Record<string, any>;
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const bin = (name: string) => join(REPO_ROOT, 'node_modules/.bin', name);
// @asyncapi/parser pulls @scarf/scarf: never let it phone home.
const env = { ...process.env, SCARF_ANALYTICS: 'false', DO_NOT_TRACK: '1', REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };

let openapi: Json;
let asyncapi: Json;
beforeAll(() => {
  openapi = parse(readFileSync(OPENAPI_PATH, 'utf8'));
  asyncapi = parse(readFileSync(ASYNCAPI_PATH, 'utf8'));
});

describe('drift', () => {
  it('regenerating both documents from the code gives exactly the committed files', async () => {
    const files = await renderSpecs();
    for (const [path, text] of Object.entries(files)) {
      expect(readFileSync(join(REPO_ROOT, path), 'utf8'), `${path} is stale: run npm run specs:generate`).toBe(text);
    }
  });
});

describe('OpenAPI', () => {
  it('passes redocly lint with the recommended ruleset and redocly.yaml, without warnings', () => {
    const run = spawnSync(bin('redocly'), ['lint', '--config', join(REPO_ROOT, 'redocly.yaml'), OPENAPI_PATH], { encoding: 'utf8', env, cwd: REPO_ROOT });
    const out = run.stdout + run.stderr;
    expect(run.status, out).toBe(0);
    expect(out).toMatch(/Your API description is valid/);
    expect(out, out).not.toMatch(/You have \d+ warning/);
  });

  it('names every component (no def-N) and references them', () => {
    const names = Object.keys(openapi.components.schemas);
    expect(names.filter((n) => /^def-\d+$/.test(n))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['Problem', 'User', 'Room', 'Message', 'MessagePage', 'AuthResult']));
    expect(JSON.stringify(openapi.paths)).not.toMatch(/"title":"(User|Room|Message)"/); // inline copies were replaced by $ref
  });

  it('documents every operation completely', () => {
    const problems: string[] = [];
    for (const [path, item] of Object.entries(openapi.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        const where = `${method.toUpperCase()} ${path}`;
        for (const key of ['operationId', 'summary', 'description', 'tags', 'security', 'responses']) if (!(key in op)) problems.push(`${where}: no ${key}`);
        const statuses = Object.keys(op.responses);
        if (!statuses.some((s) => s.startsWith('2'))) problems.push(`${where}: no 2XX`);
        const probeOrPublicConfig = op.tags.includes('health') || op.operationId === 'getConfig';
        if (!probeOrPublicConfig && !statuses.some((s) => s.startsWith('4'))) problems.push(`${where}: no 4XX`);
        for (const [status, response] of Object.entries(op.responses as Json)) {
          if (Number(status) >= 400 && !op.tags.includes('health')) {
            if (response.content?.['application/problem+json']?.schema?.$ref !== '#/components/schemas/Problem') problems.push(`${where} ${status}: not a problem response`);
          }
          if (!response.headers?.['X-Request-Id']) problems.push(`${where} ${status}: no X-Request-Id header`);
        }
        if (op['x-rate-limit']) {
          if (!op.responses['429']?.headers?.['Retry-After']) problems.push(`${where}: rate-limited without 429 Retry-After`);
          const ok = statuses.find((s) => s.startsWith('2'))!;
          if (!op.responses[ok].headers['RateLimit-Remaining']) problems.push(`${where}: rate-limited without RateLimit headers`);
        }
        if (op.requestBody && !['uploadFile'].includes(op.operationId)) {
          const media = op.requestBody.content['application/json'];
          if (!media?.example && !media?.examples) problems.push(`${where}: request body without example`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('rate-limited operations match the routes that count against a limit', () => {
    const limited = Object.values(openapi.paths as Json).flatMap((item) => Object.values(item as Json)).filter((op: Json) => op['x-rate-limit']).map((op: Json) => op.operationId).sort();
    expect(limited).toEqual(['changePassword', 'login', 'refresh', 'register', 'sendMessage', 'uploadFile']);
  });

  it('documents cursor pagination with parameters and links', () => {
    const op = openapi.paths['/api/v1/rooms/{roomId}/messages'].get;
    const params = Object.fromEntries(op.parameters.map((p: Json) => [p.name, p]));
    for (const name of ['before', 'after', 'limit', 'parentId']) expect(params[name]?.description, name).toBeTruthy();
    expect(Object.keys(op.responses['200'].links)).toEqual(['olderPage', 'newerPage']);
    expect(op.responses['200'].links.olderPage.parameters.before).toBe('$response.body#/prevCursor');
    expect(openapi.paths['/api/v1/rooms/{roomId}/changes'].get.responses['200'].links.moreChanges.parameters.since).toBe('$response.body#/coveredSeq');
  });

  it('every example (schemas and media types) validates against its schema', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addFormat('binary', true);
    ajv.addSchema(openapi, 'openapi');
    const bad: string[] = [];
    for (const [name, schema] of Object.entries(openapi.components.schemas as Json)) {
      const v = ajv.compile({ $ref: `openapi#/components/schemas/${name}` });
      for (const example of schema.examples ?? []) if (!v(example)) bad.push(`${name}: ${ajv.errorsText(v.errors)}`);
    }
    for (const item of Object.values(openapi.paths as Json)) {
      for (const op of Object.values(item as Json)) {
        for (const [status, response] of Object.entries(op.responses as Json)) {
          for (const media of Object.values((response.content ?? {}) as Json)) {
            const v = ajv.compile({ components: openapi.components, ...media.schema });
            const examples = [media.example, ...Object.values(media.examples ?? {}).map((e: Json) => e.value)].filter((e) => e !== undefined);
            for (const example of examples) if (!v(example)) bad.push(`${op.operationId} ${status}: ${ajv.errorsText(v.errors)}`);
          }
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('builds the static HTML reference as one self-contained file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-redoc-'));
    try {
      const output = join(dir, 'index.html');
      const run = spawnSync(bin('redocly'), ['build-docs', OPENAPI_PATH, '--output', output, '--config', join(REPO_ROOT, 'redocly.yaml')], { encoding: 'utf8', env, cwd: REPO_ROOT });
      expect(run.status, run.stdout + run.stderr).toBe(0);
      const html = readFileSync(output, 'utf8');
      expect(html).toContain('Parley API');
      expect(html).not.toMatch(/<script[^>]+src=["']https?:/i); // no CDN
      expect(html).not.toMatch(/<link[^>]+href=["']https?:[^>]+stylesheet/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('AsyncAPI', () => {
  it('@asyncapi/parser\'s @scarf/scarf telemetry is denied at install time', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(pkg.scarfSettings?.enabled).toBe(false); // read by @scarf/scarf's postinstall: opt out
    expect(pkg.allowScripts?.['@scarf/scarf']).toBe(false); // npm's allowScripts: the postinstall does not run
  });

  it('validates with @asyncapi/parser without errors or warnings', async () => {
    process.env.SCARF_ANALYTICS = 'false';
    const { Parser } = await import('@asyncapi/parser');
    const { document, diagnostics } = await new Parser().parse(readFileSync(ASYNCAPI_PATH, 'utf8'));
    const serious = diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.code} ${d.message} at ${d.path.join('.')}`);
    expect(serious).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
  });

  it('has one message per frame type in each direction, with examples that validate', () => {
    const messages = asyncapi.components.messages as Json;
    const names = (action: string) =>
      Object.values(asyncapi.operations as Json).filter((o: Json) => o.action === action).flatMap((o: Json) => o.messages.map((m: Json) => messages[m.$ref.split('/').pop()].name)).sort();
    expect(names('send')).toEqual(Object.keys(ClientFrames).sort());
    expect(names('receive')).toEqual(Object.keys(ServerFrames).sort());
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const { id: _id, ...doc } = asyncapi;
    ajv.addSchema(doc, 'asyncapi');
    const bad: string[] = [];
    for (const [key, message] of Object.entries(messages)) {
      expect(message.examples?.length, key).toBeGreaterThan(0);
      const v = ajv.compile({ $ref: `asyncapi#/components/messages/${key}/payload` });
      for (const example of message.examples) if (!v(example.payload)) bad.push(`${key}: ${ajv.errorsText(v.errors)}`);
    }
    expect(bad).toEqual([]);
  });

  it('documents every close code, acknowledgements, heartbeat and resume', () => {
    const documented = asyncapi.channels.realtime['x-close-codes'] as Json;
    expect(Object.keys(documented).map(Number).sort()).toEqual(Object.values(CLOSE_CODES).sort());
    const text = asyncapi.info.description as string;
    for (const code of Object.values(CLOSE_CODES)) expect(text).toContain(`| ${code} |`);
    for (const topic of ['## Connecting and authenticating', '## Requests, acknowledgements and errors', '## Subscribing and resuming', '## Heartbeat', '## Draining and close codes']) expect(text).toContain(topic);
    for (const op of Object.values(asyncapi.operations as Json).filter((o: Json) => o.action === 'send')) expect(op.reply?.messages?.length).toBeGreaterThan(0);
  });
});

describe('errors catalogue', () => {
  it('docs/api/errors.md documents every problem type with its meaning and fix', () => {
    const text = readFileSync(join(REPO_ROOT, 'docs/api/errors.md'), 'utf8');
    for (const code of Object.keys(ERRORS) as (keyof typeof ERRORS)[]) {
      const section = text.split(/\n(?=## )/).find((s) => s.startsWith(`## ${code}\n`) || s.startsWith(`## \`${code}\``));
      expect(section, `no section for ${code}`).toBeDefined();
      expect(section).toContain(errorType(code));
      expect(section).toContain(String(ERRORS[code].status));
      expect(section).toMatch(/\*\*Fix:\*\*/);
    }
  });
});

describe('served documents', () => {
  let spec: Awaited<ReturnType<typeof buildSpecApp>>;
  beforeAll(async () => {
    spec = await buildSpecApp();
  });
  afterAll(async () => spec?.close());

  it('serves /docs/openapi.json, /docs/asyncapi.json and Swagger UI without a CDN', async () => {
    const generated = await generateSpecs();
    const openapiRes = await spec.app.inject({ method: 'GET', url: '/docs/openapi.json' });
    expect(openapiRes.statusCode).toBe(200);
    expect(openapiRes.json()).toEqual(generated.openapi);
    const asyncapiRes = await spec.app.inject({ method: 'GET', url: '/docs/asyncapi.json' });
    expect(asyncapiRes.statusCode).toBe(200);
    expect(asyncapiRes.json()).toEqual(generated.asyncapi);
    const ui = await spec.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).not.toMatch(/(src|href)=["']https?:\/\//);
  });
});
