/**
 * JSON Schema → fast-check arbitraries for the fuzz suite.
 *
 * `valid(schema)` produces values that (mostly) satisfy the schema so requests get past
 * validation into the services; `hostile(schema)` mixes in values of the wrong type, boundary
 * lengths, unknown properties, hostile strings (SQL, XSS, path traversal, control characters,
 * lone surrogates) so the validators and error mapping are exercised too.
 */
import fc from 'fast-check';

export type Schema = Record<string, any>;

/** Strings an attacker would try, whatever the field. */
export const HOSTILE_STRINGS = [
  "' OR '1'='1",
  "'; DROP TABLE messages; --",
  '" OR 1=1 --',
  '1) UNION SELECT password_hash FROM users --',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  'javascript:alert(1)',
  '../../../../etc/passwd',
  '..%2f..%2f..%2fetc%2fpasswd',
  '%00',
  '\u0000',
  '\ud800',
  '\u202e\u0041',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'A'.repeat(5000),
  '',
  ' ',
  '🎉'.repeat(100),
  'NaN',
  '-1',
  '9007199254740993',
];

export const hostileString = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));

/** Any JSON value, small, including deep-ish nesting. */
export const anyJson = fc.jsonValue({ maxDepth: 4 });

export function resolve(schema: Schema, root: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 10 && s && typeof s.$ref === 'string'; i++) {
    const path = s.$ref.replace(/^#\//, '').split('/');
    s = path.reduce((o: any, k: string) => o?.[k], root);
  }
  return s ?? {};
}

function stringArb(s: Schema, pool: Record<string, string[]>): fc.Arbitrary<string> {
  if (s.enum) return fc.constantFrom(...(s.enum as string[]));
  if (s.const !== undefined) return fc.constant(s.const as string);
  if (s.format === 'uuid') {
    const known = pool.uuid ?? [];
    return known.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: fc.uuid() }) : fc.uuid();
  }
  const min = s.minLength ?? 0;
  const max = Math.min(s.maxLength ?? 64, 200);
  if (s.pattern) {
    try {
      return fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length >= min && x.length <= (s.maxLength ?? Infinity));
    } catch {
      /* fall through */
    }
  }
  return fc.string({ minLength: min, maxLength: Math.max(min, max) });
}

/** A value meant to satisfy the schema. */
export function valid(schema: Schema, root: Schema, pool: Record<string, string[]> = {}, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema, root);
  if (s.anyOf || s.oneOf) return fc.oneof(...(s.anyOf ?? s.oneOf).map((x: Schema) => valid(x, root, pool, depth + 1)));
  if (s.allOf) return valid(Object.assign({}, ...s.allOf.map((x: Schema) => resolve(x, root))), root, pool, depth);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  switch (type) {
    case 'string':
      return stringArb(s, pool);
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1000, max: s.maximum ?? Math.max(1000, (s.minimum ?? 0) + 1000) });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      if (depth > 4) return fc.constant([]);
      return fc.array(valid(s.items ?? {}, root, pool, depth + 1), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 5, 5) });
    case 'object':
    default: {
      if (!s.properties) return depth > 4 ? fc.constant({}) : fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 });
      const required = new Set<string>(s.required ?? []);
      const props: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(s.properties as Record<string, Schema>)) props[k] = valid(v, root, pool, depth + 1);
      return fc.record(props, { requiredKeys: [...required].filter((k) => k in props) as never });
    }
  }
}

/** A value that is valid, slightly wrong, or entirely hostile. */
export function hostile(schema: Schema, root: Schema, pool: Record<string, string[]> = {}): fc.Arbitrary<unknown> {
  const s = resolve(schema, root);
  const base = valid(s, root, pool);
  const mutations: fc.Arbitrary<unknown>[] = [anyJson, hostileString];
  if (s.type === 'object' && s.properties) {
    // One field replaced by something hostile, or an unknown field added.
    const keys = Object.keys(s.properties);
    mutations.push(
      fc.tuple(base, fc.constantFrom(...keys), fc.oneof(hostileString, anyJson)).map(([v, k, bad]) => ({ ...(v as object), [k]: bad })),
      fc.tuple(base, fc.string({ minLength: 1, maxLength: 10 }), anyJson).map(([v, k, extra]) => ({ ...(v as object), [k]: extra })),
    );
  }
  return fc.oneof({ weight: 3, arbitrary: base }, ...mutations.map((arbitrary) => ({ weight: 1, arbitrary })));
}
