/**
 * Renders every overlay and every component combination with `kubectl kustomize` and
 * validates every object against its schema (see lib/validate.ts for which schema each kind
 * gets and how unknown fields are rejected).
 */
import { describe, expect, test } from 'vitest';
import { skipWithout } from '../support/tools.ts';
import { componentCombinations, listComponents, listOverlays, objectId, renderAll } from './lib/render.ts';
import { schemaSource, validateObject } from './lib/validate.ts';
import { isAcceptedNewerField, isModelsPackageKind, NEWER_THAN_MODELS, typeCheckObjects } from './lib/tscheck.ts';

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

describe.skipIf(skip)('CRDs validated with @kubernetes-models packages', () => {
  test('no unknown fields at any depth (their TypeScript interfaces, excess-property check)', () => {
    const distinct = new Map<string, (typeof renderings)[number]['objects'][number]>();
    for (const r of renderings) for (const o of r.objects) if (isModelsPackageKind(o)) distinct.set(JSON.stringify(o), o);
    expect(distinct.size).toBeGreaterThan(0);
    const used = new Set<number>();
    const errors: string[] = [];
    for (const [id, errs] of typeCheckObjects([...distinct.values()])) {
      for (const e of errs) {
        const i = isAcceptedNewerField(id, e);
        if (i === -1) errors.push(`${id}: ${e}`);
        else used.add(i);
      }
    }
    expect(errors).toEqual([]);
    NEWER_THAN_MODELS.forEach((n, i) => expect(used.has(i), `stale NEWER_THAN_MODELS entry: ${n.kind}.${n.property}`).toBe(true));
  });
});
