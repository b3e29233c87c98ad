import { readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|txt|webmanifest)$/;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

export interface BundleReport {
  generatedAt: string;
  budget: { initialJsGzipBytes: number };
  initialJs: { files: string[]; rawBytes: number; gzipBytes: number; brotliBytes: number };
  chunks: { file: string; isEntry: boolean; isDynamicEntry: boolean; initial: boolean; rawBytes: number; gzipBytes: number; brotliBytes: number }[];
  css: { file: string; rawBytes: number; gzipBytes: number }[];
}

/**
 * After the bundle is written: precompress every text asset (.gz and .br next to it, for nginx
 * gzip_static/brotli_static and for the server's static handler) and write dist/bundle-report.json
 * with the gzip size of the initial JavaScript (the entry chunk plus its static imports).
 * The build fails when the initial JavaScript exceeds the budget.
 */
export function compressAndReport(opts: { budgetGzipBytes: number }): Plugin {
  let outDir = 'dist';
  return {
    name: 'parley-compress-report',
    apply: 'build',
    configResolved(c) {
      outDir = c.build.outDir.startsWith('/') ? c.build.outDir : join(c.root, c.build.outDir);
    },
    writeBundle: {
      sequential: true,
      order: 'post',
      handler(_options, bundle) {
        const gz = (b: Buffer) => gzipSync(b, { level: 9 });
        const br = (b: Buffer) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: b.length } });
        const sizes = new Map<string, { raw: number; gzip: number; brotli: number }>();
        for (const file of walk(outDir)) {
          if (!COMPRESSIBLE.test(file)) continue;
          const buf = readFileSync(file);
          const g = gz(buf);
          const b = br(buf);
          sizes.set(relative(outDir, file), { raw: buf.length, gzip: g.length, brotli: b.length });
          if (file.endsWith('.map') || buf.length < 512) continue; // maps are not served; tiny files are not worth it
          writeFileSync(`${file}.gz`, g);
          writeFileSync(`${file}.br`, b);
        }
        // Initial JS: entry chunks and everything they import statically.
        const chunks = Object.values(bundle).filter((o) => o.type === 'chunk');
        const byName = new Map(chunks.map((c) => [c.fileName, c]));
        const initial = new Set<string>();
        const visit = (f: string) => {
          if (initial.has(f)) return;
          initial.add(f);
          for (const i of byName.get(f)?.imports ?? []) visit(i);
        };
        for (const c of chunks) if (c.isEntry) visit(c.fileName);
        const report: BundleReport = {
          generatedAt: new Date().toISOString(),
          budget: { initialJsGzipBytes: opts.budgetGzipBytes },
          initialJs: { files: [...initial], rawBytes: 0, gzipBytes: 0, brotliBytes: 0 },
          chunks: [],
          css: [],
        };
        for (const c of chunks) {
          const s = sizes.get(c.fileName) ?? { raw: 0, gzip: 0, brotli: 0 };
          report.chunks.push({ file: c.fileName, isEntry: c.isEntry, isDynamicEntry: c.isDynamicEntry, initial: initial.has(c.fileName), rawBytes: s.raw, gzipBytes: s.gzip, brotliBytes: s.brotli });
          if (initial.has(c.fileName)) {
            report.initialJs.rawBytes += s.raw;
            report.initialJs.gzipBytes += s.gzip;
            report.initialJs.brotliBytes += s.brotli;
          }
        }
        for (const [file, s] of sizes) if (file.endsWith('.css')) report.css.push({ file, rawBytes: s.raw, gzipBytes: s.gzip });
        report.chunks.sort((a, b) => b.gzipBytes - a.gzipBytes);
        writeFileSync(join(outDir, 'bundle-report.json'), `${JSON.stringify(report, null, 2)}\n`);
        const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
        console.log(`[parley] initial JS ${kb(report.initialJs.gzipBytes)} gzip / ${kb(report.initialJs.brotliBytes)} brotli (budget ${kb(opts.budgetGzipBytes)}); report: dist/bundle-report.json`);
        if (report.initialJs.gzipBytes > opts.budgetGzipBytes) {
          this.error(`initial JavaScript is ${kb(report.initialJs.gzipBytes)} gzip, over the ${kb(opts.budgetGzipBytes)} budget`);
        }
      },
    },
  };
}
