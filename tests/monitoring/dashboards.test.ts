import { describe, expect, it } from 'vitest';
import { allPanels, dashboards } from './metric-names';

describe('dashboards', () => {
  const all = dashboards();

  it('has the four dashboards the issue asks for', () => {
    expect([...all.values()].map((d) => d.title).sort()).toEqual([
      'Parley / Database & Redis',
      'Parley / Node.js runtime',
      'Parley / Overview',
      'Parley / Realtime',
    ]);
    const uids = [...all.values()].map((d) => d.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  for (const [file, d] of all) {
    describe(file, () => {
      const panels = allPanels(d);

      it('gives every panel a unique numeric id', () => {
        const ids = panels.map((p) => p.id);
        for (const id of ids) expect(Number.isInteger(id) && (id as number) > 0, `${id}`).toBe(true);
        expect(new Set(ids).size).toBe(ids.length);
      });

      it('fits every panel in the 24-column grid without overlaps', () => {
        for (const p of panels) {
          const g = p.gridPos!;
          expect(g, `panel ${p.id}`).toBeDefined();
          expect(g.x, `panel ${p.id} x`).toBeGreaterThanOrEqual(0);
          expect(g.y, `panel ${p.id} y`).toBeGreaterThanOrEqual(0);
          expect(g.w, `panel ${p.id} w`).toBeGreaterThanOrEqual(1);
          expect(g.h, `panel ${p.id} h`).toBeGreaterThanOrEqual(1);
          expect(g.x + g.w, `panel ${p.id} "${p.title}" right edge`).toBeLessThanOrEqual(24);
        }
        for (let i = 0; i < panels.length; i++) {
          for (let j = i + 1; j < panels.length; j++) {
            const a = panels[i].gridPos!;
            const b = panels[j].gridPos!;
            const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
            expect(overlap, `panels ${panels[i].id} and ${panels[j].id} overlap`).toBe(false);
          }
        }
      });

      it('gives every non-row panel a title, the datasource variable and queries with unique refIds', () => {
        for (const p of panels.filter((p) => p.type !== 'row')) {
          expect(p.title, `panel ${p.id}`).toBeTruthy();
          expect(p.datasource, `panel ${p.id}`).toEqual({ type: 'prometheus', uid: '${datasource}' });
          const targets = p.targets ?? [];
          expect(targets.length, `panel ${p.id} "${p.title}" has queries`).toBeGreaterThan(0);
          const refIds = targets.map((t) => t.refId);
          expect(new Set(refIds).size, `panel ${p.id}`).toBe(refIds.length);
          for (const t of targets) expect(t.expr, `panel ${p.id} ${t.refId}`).toMatch(/\S/);
        }
      });

      it('declares the datasource, namespace and instance variables', () => {
        const vars = (d.templating?.list ?? []).map((v) => `${v.name}:${v.type}`);
        expect(vars).toEqual(['datasource:datasource', 'namespace:query', 'instance:query']);
      });

      it('selects the Parley server job in every Parley-metric query', () => {
        for (const p of panels) {
          for (const t of p.targets ?? []) {
            if (/\b(parley_|http_request|nodejs_|process_)/.test(t.expr ?? '')) expect(t.expr, `panel ${p.id}`).toMatch(/job="parley-server"/);
          }
        }
      });
    });
  }
});
