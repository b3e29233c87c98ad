import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';
import { compressAndReport } from './build/compress-report.ts';

const api = process.env.PARLEY_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  // Import @parley/protocol from its TypeScript source: no protocol build needed.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  plugins: [react(), compressAndReport({ budgetGzipBytes: 150 * 1024 })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Maps are written (for Sentry uploads) but not referenced from the bundles.
    sourcemap: 'hidden',
    // No inline scripts or data: URLs, so the CSP needs neither 'unsafe-inline' nor data: for scripts.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/@sentry')) return 'sentry';
          if (id.includes('node_modules/react-dom') || id.includes('node_modules/react/') || id.includes('node_modules/scheduler')) return 'react';
          return undefined;
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true },
    },
  },
});
