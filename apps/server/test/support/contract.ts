/**
 * Contract checks for the integration tests: every HTTP response `Api.request` receives is
 * validated against docs/api/openapi.yaml (operation, status, media type, body, headers), and
 * every frame `WsClient` receives or sends against docs/api/asyncapi.yaml. Violations are
 * recorded here and fail the running test (test/support/contract-setup.ts asserts none are
 * left after each test). Coverage of operations and messages is recorded for the report.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

type Json = Record<string, any>;
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const OPENAPI_PATH = `${REPO_ROOT}docs/api/openapi.yaml`;
export const ASYNCAPI_PATH = `${REPO_ROOT}docs/api/asyncapi.yaml`;

/** Response objects close every object schema: a field the spec does not name is a violation. */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'examples' || k === 'example' ? v : closeObjects(v);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

interface Operation {
  method: string;
  path: string;
  regex: RegExp;
  params: number;
  id: string;
  op: Json;
}

export interface HttpExchange {
  method: string;
  url: string;
  status: number;
  headers: Headers;
  text: string;
}

export interface Coverage {
  operations: Record<string, number[]>;
  messages: Record<string, number>;
  negativeFrames: number;
  unmatched404: number;
}

class Contract {
  readonly openapi: Json = parse(readFileSync(OPENAPI_PATH, 'utf8'));
  readonly asyncapi: Json = parse(readFileSync(ASYNCAPI_PATH, 'utf8'));
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly operations: Operation[] = [];
  private readonly clientTypes = new Map<string, string>();
  private readonly serverTypes = new Map<string, string>();
  violations: string[] = [];
  readonly coverage: Coverage = { operations: {}, messages: {}, negativeFrames: 0, unmatched404: 0 };

  constructor() {
    addFormats(this.ajv);
    this.ajv.addFormat('binary', true);
    this.ajv.addSchema(closeObjects(this.openapi) as Json, 'openapi');
    const { id: _documentId, ...asyncapiBody } = closeObjects(this.asyncapi) as Json; // `id` would be read as a draft-04 schema id
    this.ajv.addSchema(asyncapiBody, 'asyncapi');
    for (const [path, item] of Object.entries(this.openapi.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        if (!op?.operationId) continue;
        const params = (path.match(/\{/g) ?? []).length;
        const regex = new RegExp(`^${path.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[^/]+')}$`);
        this.operations.push({ method: method.toUpperCase(), path, regex, params, id: op.operationId, op });
      }
    }
    this.operations.sort((a, b) => a.params - b.params); // literal segments win (/rooms/public before /rooms/{roomId})
    for (const [key, message] of Object.entries(this.asyncapi.components.messages as Json)) {
      const isClient = Object.values(this.asyncapi.operations as Json).some((o: Json) => o.action === 'send' && o.messages.some((m: Json) => m.$ref.endsWith(`/${key}`)));
      (isClient ? this.clientTypes : this.serverTypes).set(message.name, key);
    }
  }

  private validator(ref: string): ValidateFunction {
    let v = this.validators.get(ref);
    if (!v) {
      v = this.ajv.compile({ $ref: ref });
      this.validators.set(ref, v);
    }
    return v;
  }

  private errors(v: ValidateFunction): string {
    return (v.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`).join('; ');
  }

  /** All operationIds and message keys in the documents. */
  get allOperations(): string[] {
    return this.operations.map((o) => o.id).sort();
  }

  get allMessages(): string[] {
    return Object.keys(this.asyncapi.components.messages).sort();
  }

  findOperation(method: string, pathname: string): Operation | undefined {
    const m = method === 'HEAD' ? 'GET' : method;
    return this.operations.find((o) => o.method === m && o.regex.test(pathname));
  }

  checkHttp(x: HttpExchange): void {
    const url = new URL(x.url);
    const where = `${x.method} ${url.pathname} → ${x.status}`;
    const fail = (msg: string) => this.violations.push(`HTTP ${where}: ${msg}`);
    const type = (x.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const found = this.findOperation(x.method, url.pathname);
    if (!found) {
      if (!/^\/(api|health)\//.test(url.pathname)) return; // /docs, /ws, the SPA: not part of the REST contract
      if (x.status === 404 && type === 'application/problem+json') {
        const v = this.validator('openapi#/components/schemas/Problem');
        if (!v(JSON.parse(x.text))) fail(`the 404 problem does not match Problem: ${this.errors(v)}`);
        this.coverage.unmatched404++;
        return;
      }
      fail('no operation in openapi.yaml matches this method and path');
      return;
    }
    const { op, id } = found;
    const statuses = (this.coverage.operations[id] ??= []);
    if (!statuses.includes(x.status)) statuses.push(x.status);
    const response = op.responses?.[String(x.status)];
    if (!response) {
      fail(`status ${x.status} is not documented for ${id} (documented: ${Object.keys(op.responses).join(', ')})`);
      return;
    }
    if (!x.headers.get('x-request-id')) fail('X-Request-Id header missing');
    for (const name of Object.keys(response.headers ?? {})) {
      const required = name.startsWith('RateLimit-') || (name === 'Retry-After' && x.status === 429);
      if (required && !x.headers.get(name)) fail(`${id}: header ${name} documented but missing`);
    }
    if (!response.content) {
      if (x.text.length > 0 && x.method !== 'HEAD') fail(`${id} documents no body for ${x.status} but got ${x.text.length} bytes`);
      return;
    }
    const mediaType = Object.keys(response.content).find((t) => t === type) ?? Object.keys(response.content).find((t) => t === '*/*');
    if (!mediaType) {
      fail(`${id}: content-type ${type || '(none)'} is not documented (documented: ${Object.keys(response.content).join(', ')})`);
      return;
    }
    if (x.method === 'HEAD' || !/json/.test(mediaType)) return;
    let body: unknown;
    try {
      body = JSON.parse(x.text);
    } catch {
      fail(`${id}: the body is not JSON`);
      return;
    }
    const ref = `openapi#/${pointer('paths', found.path, found.method.toLowerCase(), 'responses', String(x.status), 'content', mediaType, 'schema')}`;
    const v = this.validator(ref);
    if (!v(body)) fail(`${id}: body does not match the schema: ${this.errors(v)}`);
  }

  /**
   * Checks one frame of a connection (`conn`: any object identifying it). Every received frame
   * must match a server message of the AsyncAPI document. A sent frame that matches no client
   * message is a deliberate negative test: when it has an `id`, the server must answer that id
   * with an `error`; an `ack` for it is a violation.
   */
  checkFrame(direction: 'send' | 'receive', raw: unknown, conn: object): void {
    try {
      this.checkFrameUnsafe(direction, raw, conn);
    } catch (err) {
      this.violations.push(`checking a ${direction === 'send' ? 'sent' : 'received'} frame failed: ${(err as Error).message}`);
    }
  }

  private readonly negativeIds = new WeakMap<object, Set<string>>();

  private checkFrameUnsafe(direction: 'send' | 'receive', raw: unknown, conn: object): void {
    let frame: unknown = raw;
    if (typeof raw === 'string') {
      try {
        frame = JSON.parse(raw);
      } catch {
        frame = undefined;
      }
    }
    const type = frame && typeof frame === 'object' && !Array.isArray(frame) ? (frame as Json).type : undefined;
    const key = typeof type === 'string' ? (direction === 'send' ? this.clientTypes : this.serverTypes).get(type) : undefined;
    const v = key ? this.validator(`asyncapi#/${pointer('components', 'messages', key, 'payload')}`) : undefined;
    const ok = !!v && v(frame);
    const id = frame && typeof (frame as Json).id === 'string' ? ((frame as Json).id as string) : undefined;
    if (ok) {
      this.coverage.messages[key!] = (this.coverage.messages[key!] ?? 0) + 1;
      const pending = this.negativeIds.get(conn);
      if (direction === 'receive' && id !== undefined && pending?.delete(id) && type === 'ack') {
        this.violations.push(`the server acknowledged frame ${id}, which does not match the AsyncAPI document (it must answer with an error)`);
      }
      return;
    }
    if (direction === 'send') {
      this.coverage.negativeFrames++;
      if (id !== undefined) {
        if (!this.negativeIds.has(conn)) this.negativeIds.set(conn, new Set());
        this.negativeIds.get(conn)!.add(id);
      }
      return;
    }
    const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
    this.violations.push(`${direction === 'send' ? 'sent' : 'received'} frame ${text.slice(0, 200)}: ${key ? this.errors(v!) : `no ${direction === 'send' ? 'client' : 'server'} message of type ${JSON.stringify(type)} in asyncapi.yaml`}`);
  }

  takeViolations(): string[] {
    const out = this.violations;
    this.violations = [];
    return out;
  }
}

let instance: Contract | undefined;
/** The contract checker (loaded on first use). */
export function contract(): Contract {
  return (instance ??= new Contract());
}

/** Appends this process's coverage to test-results/contract-coverage/ (merged by the coverage report). */
export function flushCoverage(label: string): void {
  if (!instance) return;
  const dir = `${REPO_ROOT}test-results/contract-coverage`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/${label.replace(/[^A-Za-z0-9_.-]/g, '_')}-${process.pid}-${Date.now()}.json`, JSON.stringify(instance.coverage));
}
