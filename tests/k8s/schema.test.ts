/**
 * Renders every overlay and every component combination with `kubectl kustomize` and
 * validates every object against its schema (see lib/validate.ts for which schema each kind
 * gets and how unknown fields are rejected).
 */
import { describe, expect, test } from 'vitest';
import { skipWithout } from '../support/tools.ts';
import { componentCombinations, listComponents, listOverlays, objectId, renderAll } from './lib/render.ts';
import { schemaSource, validateObject } from './lib/validate.ts';

const skip = skipWithout('kubectl');
const renderings = skip ? [] : await renderAll();

describe.skipIf(skip)('rendering', () => {
  test('every overlay, the gitops apps and every component combination render', () => {
    const names = renderings.map((r) => r.name);
    for (const o of listOverlays()) expect(names).toContain(`overlay:${o}`);
    expect(names).toContain('gitops');
    expect(names).toContain('base');
    const combos = componentCombinations();
    expect(renderings.filter((r) => r.kind === 'combination')).toHaveLength(combos.length);
    // each component appears alone (with what it requires) and in a pair with every other compatible one
    for (const c of listComponents()) expect(renderings.some((r) => r.components.includes(c))).toBe(true);
    for (const r of renderings) expect(r.objects.length, r.name).toBeGreaterThan(0);
  });

  test('overlays include the components the issue requires', () => {
    const byName = new Map(renderings.map((r) => [r.name, r]));
    const prod = byName.get('overlay:production')!;
    for (const c of ['network-policies', 'autoscaling', 'canary', 'postgres-cloudnativepg', 'redis', 'cert-manager', 'external-secrets']) {
      expect(prod.components, `production includes ${c}`).toContain(c);
    }
    const dev = byName.get('overlay:dev')!;
    expect(dev.objects.some((o) => o.kind === 'StatefulSet' && o.spec.template.metadata.labels['parley.dev/role'] === 'database')).toBe(true);
    expect(dev.objects.some((o) => o.kind === 'StatefulSet' && o.spec.template.metadata.labels['parley.dev/role'] === 'cache')).toBe(true);
  });
});

describe.skipIf(skip)('schema validation', () => {
  test('every rendered kind has a schema source', () => {
    const missing = new Set<string>();
    for (const r of renderings) for (const o of r.objects) if (schemaSource(o).kind === 'none') missing.add(`${r.name}: ${o.apiVersion} ${o.kind} ${objectId(o)}`);
    expect([...missing]).toEqual([]);
  });

  // Distinct objects only: the same object rendered in many combinations is validated once.
  test.each(renderings.map((r) => [r.name, r] as const))('%s: every object is valid', async (_name, r) => {
    const errors: string[] = [];
    for (const o of r.objects) errors.push(...(await validateObject(o)));
    expect(errors).toEqual([]);
  });
});
