import { posix } from 'node:path';
import { defineConfig } from 'vitepress';

/** Where repository files outside docs/ are shown (the runbook_url annotations use the same). */
const REPO_BLOB = 'https://github.com/parley-chat/parley/blob/main/';

/**
 * Relative links that leave docs/ (source files, tests, manifests, the root *.md files) point at
 * files, not pages: on the site they open the file in the repository browser. tests/docs checks
 * that every such file exists.
 */
function repoLinks(md: any) {
  md.core.ruler.push('parley-repo-links', (state: any) => {
    const page: string = state.env?.relativePath ?? '';
    for (const block of state.tokens) {
      for (const t of block.children ?? []) {
        if (t.type !== 'link_open') continue;
        const href: string = t.attrGet('href') ?? '';
        if (!href || /^[a-z][a-z0-9+.-]*:|^\/|^#/i.test(href)) continue;
        const [path, hash] = href.split('#');
        const target = posix.normalize(posix.join('docs', posix.dirname(page), path));
        if (target.startsWith('docs/')) continue;
        t.attrSet('href', REPO_BLOB + target + (hash ? `#${hash}` : ''));
        t.attrSet('target', '_blank');
        t.attrSet('rel', 'noreferrer');
      }
    }
  });
}

// Parley documentation site. Built by `npm run docs:build` (docs/.vitepress/build.mjs) into
// dist/docs; previewed with `npm run docs:dev`. Everything builds offline: local search, no CDN.

/** Mermaid blocks: the source is kept in the page (and shown on GitHub); theme/index.ts draws it in the browser. */
function mermaidFence(md: any) {
  const fence = md.renderer.rules.fence;
  md.renderer.rules.fence = (tokens: any[], idx: number, options: any, env: any, self: any) => {
    const token = tokens[idx];
    if (token.info.trim() === 'mermaid') {
      return `<div class="mermaid-source"><details open><summary class="mermaid-label">Mermaid diagram</summary><pre v-pre>${md.utils.escapeHtml(token.content)}</pre></details></div>`;
    }
    return fence(tokens, idx, options, env, self);
  };
  // Inline code is literal: Prometheus/Alertmanager templates such as `{{ $labels.instance }}`
  // must not be compiled as Vue interpolations.
  const codeInline = md.renderer.rules.code_inline;
  md.renderer.rules.code_inline = (tokens: any[], idx: number, options: any, env: any, self: any) =>
    codeInline(tokens, idx, options, env, self).replace(/^<code/, '<code v-pre');
}

export default defineConfig({
  title: 'Parley',
  description: 'Self-hosted real-time team chat: user guide, API, operator guide and security record',
  lang: 'en-GB',
  // An inline icon: no extra request, and no 404 for /favicon.ico.
  head: [['link', { rel: 'icon', href: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='4' fill='%234f46e5'/%3E%3Cpath d='M4 5h8M4 8h6M4 11h4' stroke='white' stroke-width='1.5'/%3E%3C/svg%3E" }]],
  cleanUrls: false,
  outDir: '../dist/docs',
  cacheDir: '../node_modules/.cache/vitepress',
  lastUpdated: false,
  // README.md files are the index of their folder on GitHub; make them the folder index on the site too.
  rewrites: {
    'api/README.md': 'api/index.md',
    'runbooks/README.md': 'runbooks/index.md',
  },
  srcExclude: ['**/node_modules/**'],
  markdown: {
    config: (md) => {
      mermaidFence(md);
      repoLinks(md);
    },
    // LogQL (Loki queries in monitoring.md) has no Shiki grammar: show it as plain text, without a warning.
    languages: [{ name: 'logql', scopeName: 'source.logql', patterns: [], repository: {} } as any],
  },
  vite: {
    // mermaid (and its diagram types) are lazy chunks loaded only on pages with a diagram.
    build: { chunkSizeWarningLimit: 3000 },
  },
  themeConfig: {
    search: { provider: 'local' },
    nav: [
      { text: 'Chatting', link: '/user-guide/', activeMatch: '^/user-guide/' },
      { text: 'Integrating', link: '/api/', activeMatch: '^/api/' },
      { text: 'Running', link: '/operations/', activeMatch: '^/(operations|runbooks|configuration|security)' },
      { text: 'Contributing', link: '/architecture', activeMatch: '^/(architecture|adr)' },
    ],
    sidebar: {
      '/user-guide/': [
        {
          text: 'Using Parley',
          items: [
            { text: 'Overview', link: '/user-guide/' },
            { text: 'Getting started', link: '/user-guide/getting-started' },
            { text: 'Rooms and messages', link: '/user-guide/web-app' },
            { text: 'Threads', link: '/user-guide/threads' },
            { text: 'Reactions', link: '/user-guide/reactions' },
            { text: 'Files', link: '/user-guide/files' },
            { text: 'Notifications and unreads', link: '/user-guide/notifications' },
            { text: 'Keyboard shortcuts', link: '/user-guide/keyboard-shortcuts' },
            { text: 'Troubleshooting', link: '/user-guide/troubleshooting' },
            { text: 'FAQ', link: '/user-guide/faq' },
          ],
        },
      ],
      '/api/': [
        {
          text: 'Integrating',
          items: [
            { text: 'Overview', link: '/api/' },
            { text: 'API reference (OpenAPI)', link: '/api/reference' },
            { text: 'Authentication', link: '/api/authentication' },
            { text: 'Using curl', link: '/api/curl' },
            { text: 'WebSocket', link: '/api/websocket' },
            { text: 'Pagination and sync', link: '/api/pagination' },
            { text: 'Uploads', link: '/api/uploads' },
            { text: 'Rate limits', link: '/api/rate-limits' },
            { text: 'Errors', link: '/api/errors' },
            { text: 'Versioning', link: '/api/versioning' },
          ],
        },
      ],
      '/': [
        {
          text: 'Running Parley',
          items: [
            { text: 'Operator guide', link: '/operations/' },
            { text: 'Configuration reference', link: '/configuration' },
            { text: 'Docker and Compose', link: '/operations/docker' },
            { text: 'Kubernetes', link: '/operations/kubernetes' },
            { text: 'CI/CD', link: '/operations/ci-cd' },
            { text: 'Monitoring', link: '/operations/monitoring' },
            { text: 'Performance and sizing', link: '/operations/performance' },
            { text: 'Resilience', link: '/operations/resilience' },
            { text: 'Alert runbooks', link: '/runbooks/' },
          ],
        },
        {
          text: 'Security',
          items: [
            { text: 'Security overview', link: '/security/' },
            { text: 'Threat model', link: '/security/threat-model' },
            { text: 'Security checklists', link: '/security/checklists' },
            { text: 'Update policy', link: '/security/update-policy' },
          ],
        },
        {
          text: 'Contributing',
          items: [
            { text: 'Architecture', link: '/architecture' },
            { text: 'ADR 0001: stack', link: '/adr/0001-stack' },
            { text: 'ADR 0101: image optimisation', link: '/adr/0101-image-optimisation' },
            { text: 'ADR 0102: scaling WebSockets', link: '/adr/0102-scaling-websockets' },
            { text: 'ADR 0103: service mesh', link: '/adr/0103-service-mesh' },
            { text: 'ADR 0104: GitOps', link: '/adr/0104-gitops' },
            { text: 'ADR 0105: secrets management', link: '/adr/0105-secrets-management' },
            { text: 'ADR 0106: network policy model', link: '/adr/0106-network-policy-model' },
            { text: 'ADR 0107: Redis deployment', link: '/adr/0107-redis-deployment' },
            { text: 'ADR 0108: Group commit', link: '/adr/0108-group-commit' },
          ],
        },
      ],
    },
    outline: { level: [2, 3] },
    footer: { message: 'Parley is licensed under AGPL-3.0-only.' },
  },
});
