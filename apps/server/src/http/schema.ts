import * as protocol from '@parley/protocol';
import { Problem } from '@parley/protocol';
import type { TSchema } from 'typebox';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- OpenAPI/AsyncAPI documents are built and walked as plain JSON
type Json = Record<string, any>;

/** Problem-details responses for the given statuses (every route also may answer 429/500/503). */
export function problems(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const status of [...statuses, 500, 503]) out[status] = Problem;
  return out;
}

export const bearerOrCookie: { [scheme: string]: string[] }[] = [{ bearerAuth: [] }, { cookieAuth: [] }];

/** Rate-limit scopes (apps/server/src/http/rate-limit.ts and the gateway's send limit). */
export type RateLimitScope = 'auth' | 'send' | 'upload';

export interface ResponseHeaderDoc {
  description: string;
  schema?: Record<string, unknown>;
}

export interface LinkDoc {
  operationId: string;
  description: string;
  parameters?: Record<string, string>;
}

/**
 * Documentation of one operation that the Fastify route schema cannot carry: the generated
 * OpenAPI document picks it up from the `x-parley-docs` key (http/docs.ts turns it into
 * response descriptions, headers, links and the rate-limit headers) and removes the key.
 */
export interface OperationDocs {
  /** Markdown: what it does, who may call it, side effects (events on the WebSocket). */
  description: string;
  /** Description of each success status (errors are described from the error catalogue). */
  responses?: Record<number, string>;
  /** Extra headers of success responses (for example Set-Cookie). */
  headers?: Record<string, ResponseHeaderDoc>;
  /** Statuses that have no body and are not in the Fastify schema (for example 304). */
  extraResponses?: Record<number, { description: string; headers?: Record<string, ResponseHeaderDoc> }>;
  /** The rate limit this operation counts against: adds RateLimit-* headers and 429. */
  rateLimit?: RateLimitScope;
  /** OpenAPI links from a success status to follow-up operations. */
  links?: Record<number, Record<string, LinkDoc>>;
}

/** Spread into a route schema: `schema: { ...docs({ description: '…' }), … }`. */
export function docs(d: OperationDocs): { description: string; 'x-parley-docs': OperationDocs } {
  return { description: d.description, 'x-parley-docs': d };
}

// ---- named components ----------------------------------------------------------------------

/** Every protocol schema with a `title`: the component name. */
export const NAMED: Map<string, unknown> = (() => {
  const map = new Map<string, unknown>();
  for (const value of Object.values(protocol)) {
    if (value && typeof value === 'object' && typeof (value as Json).title === 'string' && ('type' in value || 'anyOf' in value)) {
      const title = (value as Json).title as string;
      if (map.has(title) && map.get(title) !== value) throw new Error(`two protocol schemas are titled ${title}`);
      map.set(title, value);
    }
  }
  return map;
})();

/** Plain JSON of a schema, as @fastify/swagger renders it (const → enum, catch-all patternProperties → additionalProperties). */
function plain(schema: unknown, constToEnum: boolean): Json {
  return JSON.parse(JSON.stringify(schema), (_key, value) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    let out = value as Json;
    if (constToEnum && 'const' in out) {
      const { const: c, ...rest } = out;
      out = { ...rest, enum: [c] };
    }
    if (out.patternProperties && Object.keys(out.patternProperties).length === 1 && out.patternProperties['^.*$']) {
      const { patternProperties, ...rest } = out;
      out = { ...rest, additionalProperties: patternProperties['^.*$'] };
    }
    return out;
  }) as Json;
}

const isSchemaNode = (node: unknown): node is Json => !!node && typeof node === 'object' && !Array.isArray(node);
const ANNOTATIONS = new Set(['examples', 'example']);

/** Stable string of a schema for comparison (sorted keys, annotations dropped). */
function fingerprint(node: unknown): string {
  if (Array.isArray(node)) return `[${node.map(fingerprint).join(',')}]`;
  if (!isSchemaNode(node)) return JSON.stringify(node);
  return `{${Object.keys(node).filter((k) => !ANNOTATIONS.has(k)).sort().map((k) => `${JSON.stringify(k)}:${fingerprint(node[k])}`).join(',')}}`;
}

/**
 * Names components after the protocol schemas' titles: every sub-schema with a known title
 * becomes `{ $ref: <refPrefix><title> }` and its definition lands in `schemas` (only those
 * actually used). With checkInline, an inline copy that differs from the protocol schema
 * (other than in examples) throws: the document must describe exactly what the code checks.
 */
export class ComponentNamer {
  readonly schemas: Record<string, Json> = {};
  constructor(private readonly options: { constToEnum: boolean; refPrefix: string; checkInline: boolean }) {}

  /** Replaces every titled sub-schema (and the node itself unless `keepRoot`) with a $ref. */
  refify(node: unknown, keepRoot = false): unknown {
    if (Array.isArray(node)) return node.map((n) => this.refify(n));
    if (!isSchemaNode(node)) return node;
    if (!keepRoot && typeof node.title === 'string' && NAMED.has(node.title)) {
      const name = node.title;
      const canonical = this.component(name);
      const inline = this.options.checkInline ? (this.refify({ ...node }, true) as Json) : canonical;
      if (fingerprint(inline) !== fingerprint(canonical)) {
        throw new Error(`schema titled ${name} differs from the protocol's ${name}:\n${fingerprint(inline)}\n${fingerprint(canonical)}`);
      }
      return { $ref: `${this.options.refPrefix}${name}` };
    }
    const out: Json = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] = key === 'examples' || key === 'example' || key === 'enum' || key === 'required' ? value : this.refify(value);
    }
    return out;
  }

  component(name: string): Json {
    if (!this.schemas[name]) {
      this.schemas[name] = {}; // placeholder: recursive references terminate
      this.schemas[name] = this.refify(plain(NAMED.get(name), this.options.constToEnum), true) as Json;
    }
    return this.schemas[name];
  }
}

